/**
 * `parity ctl <command>`: the kill switch from a second terminal, for when the console's own terminal
 * is frozen or its SSH link is gone. Finds the running console by itself (the registry in the
 * runtime folder), from any working directory; `--session` picks one when several run.
 * Exit codes: 0 done, 1 the command did not complete, 2 usage (several consoles, unknown session),
 * 3 no console reachable, 4 refused: the runtime folder, a registry entry, the pointer file or the
 * socket failed its safety check (not ours, open to others, a symlink; see ops/control-socket.ts).
 * Nothing is sent then, and no other folder is tried.
 */
import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { COMMANDS, CONFIRM_ARG, type CommandResult, isCommandName } from '../ops/commands.ts';
import { type RegistryEntry, RuntimeDirError, listConsoles, readPointer, runtimeDir, sendCommand } from '../ops/control-socket.ts';
import { KILL_LEVEL_NAMES } from '../ops/kill-state.ts';

interface CtlFlags {
  session?: string;
  confirm?: boolean;
  json?: boolean;
  timeout: string;
}

export function registerCtl(program: Command): void {
  program
    .command('ctl')
    .description(`control a running console from another terminal: ${COMMANDS.join(' | ')} | list`)
    .argument('<command>', `${COMMANDS.join(', ')}, or list`)
    .argument('[args...]', 'external: <client order id> <adopt|cancel|leave> (an order with our prefix the journal does not know); cancel-order: <client order id>; close-position: <symbol>')
    .option('--session <id|name|folder>', 'which console, when several run (default: the only one)')
    .option('--confirm', 'resume: confirm a resume from a halt (loss limit, strategy error, failing journal) or from kill level L3/L4, which is refused without it')
    .option('--json', 'print one JSON object (for scripts)')
    .option('--timeout <ms>', 'how long to wait for the result (cancel and flatten wait for the venue)', '30000')
    .action(async (command: string, args: string[], flags: CtlFlags) => {
      process.exitCode = await ctl(command, flags, args);
    });
}

function print(flags: CtlFlags, json: unknown, human: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json)}\n` : `${human}\n`);
}

function describe(e: RegistryEntry): string {
  return `${e.id}  ${e.name}  pid ${e.pid}  ${e.mode} ${e.venue} ${e.strategy}  started ${new Date(e.startedAt).toISOString().slice(0, 19)}Z`;
}

const isDir = (p: string): boolean => {
  try { return statSync(p).isDirectory(); } catch { return false; }
};

/**
 * The socket for `--session` (an id, a session name, or a session folder) or the only console.
 * Throws RuntimeDirError when the session folder's pointer file fails its check.
 */
export function resolveTarget(session: string | undefined, entries: readonly RegistryEntry[]): { socket: string; entry: RegistryEntry | null } | { error: string; code: number } {
  if (session !== undefined) {
    const dir = resolve(session);
    const socket = isDir(dir) ? readPointer(dir) : null;
    if (socket !== null) return { socket, entry: entries.find((e) => resolve(e.sessionDir) === dir) ?? null };
    const m = entries.filter((e) => e.id === session || e.name === session || basename(e.sessionDir) === session || e.name.endsWith(session));
    if (m.length === 1) return { socket: m[0]!.socket, entry: m[0]! };
    if (m.length === 0) return { error: `no running console matches --session ${session}${entries.length ? `; running:\n  ${entries.map(describe).join('\n  ')}` : ''}`, code: 3 };
    return { error: `--session ${session} matches several consoles:\n  ${m.map(describe).join('\n  ')}`, code: 2 };
  }
  if (entries.length === 0) return { error: `no running parity console found (looked in ${runtimeDir()})`, code: 3 };
  if (entries.length > 1) return { error: `several consoles are running; pick one with --session <id>:\n  ${entries.map(describe).join('\n  ')}`, code: 2 };
  return { socket: entries[0]!.socket, entry: entries[0]! };
}

export async function ctl(command: string, flags: CtlFlags, args: readonly string[] = []): Promise<number> {
  try {
    return await ctlChecked(command, flags, args);
  } catch (err) {
    if (!(err instanceof RuntimeDirError)) throw err;
    const msg = `parity ctl: refusing to use the control socket: ${err.message}`;
    print(flags, { ok: false, command, refused: true, error: msg }, msg);
    return 4;
  }
}

async function ctlChecked(command: string, flags: CtlFlags, args: readonly string[]): Promise<number> {
  const entries = listConsoles();
  if (command === 'list') {
    print(flags, entries, entries.length === 0 ? 'no running parity console' : entries.map(describe).join('\n'));
    return 0;
  }
  if (!isCommandName(command)) {
    print(flags, { ok: false, error: `unknown command ${command}` }, `unknown command "${command}": use ${COMMANDS.join(', ')} or list`);
    return 2;
  }
  const t = resolveTarget(flags.session, entries);
  if ('error' in t) {
    print(flags, { ok: false, command, error: t.error }, t.error);
    return t.code;
  }
  if (flags.confirm === true && command !== 'resume') {
    print(flags, { ok: false, command, error: '--confirm only goes with resume' }, `--confirm only goes with resume (parity ctl resume --confirm)`);
    return 2;
  }
  // The confirm travels as an argument: the command bus decides whether this resume needed it.
  const sent = flags.confirm === true ? [...args, CONFIRM_ARG] : args;
  const timeout = Number(flags.timeout);
  const reply = await sendCommand(t.socket, command, {
    acceptMs: 1000,
    resultMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 30_000,
    args: sent,
    onAccepted: () => { if (!flags.json && command !== 'status') process.stderr.write(`${command}: accepted by ${t.entry?.name ?? t.socket}, waiting for the venue...\n`); },
  });
  if (reply.result === null) {
    print(flags, { ok: false, command, accepted: reply.accepted, error: reply.error, ...(reply.refused === true ? { refused: true } : {}) }, `${command}: ${reply.error}`);
    return reply.refused === true ? 4 : reply.accepted ? 1 : 3;
  }
  const r = reply.result;
  print(flags, r, human(r));
  return r.ok ? 0 : 1;
}

function human(r: CommandResult): string {
  const head = `${r.command}: ${r.ok ? 'ok' : 'DID NOT COMPLETE'} — ${r.message}`;
  const s = r.status;
  if (s === undefined) return head;
  const lines = [
    r.command === 'status' ? `session ${s.session} (pid ${s.pid}), ${s.mode} on ${s.venue}:${s.account}, strategy ${s.strategy}` : head,
    `  trading ${s.trading.status}${s.trading.reason ? ` (${s.trading.reason})` : ''}; kill switch ${KILL_LEVEL_NAMES[s.killLevel]}; engine ${s.running ? 'running' : 'stopped'} at ${s.engineTime === null ? '-' : new Date(s.engineTime).toISOString()}`,
    `  equity ${s.equity.toFixed(2)}; open orders ${s.openOrders}; positions ${s.positions.length === 0 ? 'flat' : s.positions.map((p) => `${p.symbol} ${p.qty}`).join(', ')}`,
  ];
  if (s.atVenue !== null) lines.push(`  at the venue: open orders ${s.atVenue.openOrders}; positions ${s.atVenue.positions.length === 0 ? 'flat' : s.atVenue.positions.map((p) => `${p.symbol} ${p.qty}`).join(', ')}`);
  if (s.gates.length > 0) lines.push(`  gates ${s.gates.map((g) => `${g.id} ${g.status}`).join(', ')}`);
  if (r.incomplete.length > 0) lines.push(`  not done: ${r.incomplete.join('; ')}`);
  return lines.join('\n');
}
