/**
 * `parity ctl` <-> a running console: JSON lines over a unix socket (mode 0600, in a 0700 folder of
 * `$PARITY_RUNTIME_DIR`, `$XDG_RUNTIME_DIR` or the temp folder). Unix socket paths are limited to
 * about 107 bytes, so the socket never lives in the session folder; the session folder gets a pointer
 * file (`control.sock.path`) and the runtime folder a registry entry per running console, so `ctl`
 * finds the one console from any working directory and lists them when there are several.
 *
 * Protocol, one JSON object per line:
 *   client: {"id":1,"command":"flatten"}
 *   server: {"id":1,"type":"accepted","command":"flatten"}            at once (well within 1 s)
 *   server: {"id":1,"type":"result","ok":true,"message":"...",...}    when the venue confirmed
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CommandBus, type CommandResult, isCommandName } from './commands.ts';
import { ownerAlive } from './lock.ts';

/** sockaddr_un.sun_path is 108 bytes on Linux (104 on macOS) including the NUL. */
export const MAX_SOCKET_PATH = 103;

export const POINTER_FILE = 'control.sock.path';

export interface RegistryEntry {
  readonly id: string;
  readonly name: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly socket: string;
  readonly sessionDir: string;
  readonly mode: string;
  readonly venue: string;
  readonly strategy: string;
}

/** The folders `ctl` looks in, most specific first. */
export function runtimeDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const bases = [env['PARITY_RUNTIME_DIR'], env['XDG_RUNTIME_DIR'], tmpdir(), '/tmp'].filter((b): b is string => typeof b === 'string' && b !== '');
  const out: string[] = [];
  for (const b of bases) {
    const d = env['PARITY_RUNTIME_DIR'] === b ? b : join(b, `parity-${uid}`);
    if (!out.includes(d)) out.push(d);
    if (env['PARITY_RUNTIME_DIR'] !== undefined && env['PARITY_RUNTIME_DIR'] !== '') break; // tests: isolate
  }
  return out;
}

/** Where this console's socket goes: the first runtime folder whose path fits. */
export function socketPathFor(id: string, env: NodeJS.ProcessEnv = process.env): { dir: string; socket: string } {
  for (const dir of runtimeDirs(env)) {
    const socket = join(dir, `${id}.sock`);
    if (Buffer.byteLength(socket) <= MAX_SOCKET_PATH) return { dir, socket };
  }
  throw new Error(`no runtime folder short enough for a unix socket (limit ${MAX_SOCKET_PATH} bytes): set PARITY_RUNTIME_DIR to a short path`);
}

function readEntries(dir: string): { entry: RegistryEntry; file: string }[] {
  if (!existsSync(dir)) return [];
  const out: { entry: RegistryEntry; file: string }[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.console.json')) continue;
    const file = join(dir, f);
    try {
      out.push({ entry: JSON.parse(readFileSync(file, 'utf8')) as RegistryEntry, file });
    } catch {
      // half-written or foreign: ignore
    }
  }
  return out;
}

/** Running consoles; entries whose process is gone are removed (with their socket). */
export function listConsoles(env: NodeJS.ProcessEnv = process.env): RegistryEntry[] {
  const seen = new Map<string, RegistryEntry>();
  for (const dir of runtimeDirs(env)) {
    for (const { entry, file } of readEntries(dir)) {
      if (!ownerAlive({ pid: entry.pid, startedAt: entry.startedAt, host: '' })) {
        rmSync(file, { force: true });
        rmSync(entry.socket, { force: true });
        continue;
      }
      seen.set(entry.id, entry);
    }
  }
  return [...seen.values()].sort((a, b) => a.startedAt - b.startedAt);
}

export interface ControlServer {
  readonly socket: string;
  close(): Promise<void>;
}

/** Listen for `ctl` commands and hand them to the bus. */
export async function startControlServer(bus: CommandBus, entry: Omit<RegistryEntry, 'socket'>, env: NodeJS.ProcessEnv = process.env): Promise<ControlServer> {
  const { dir, socket } = socketPathFor(entry.id, env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try { chmodSync(dir, 0o700); } catch { /* not ours (e.g. /tmp itself): the socket's own mode still applies */ }
  rmSync(socket, { force: true });
  const clients = new Set<Socket>();
  const server: Server = createServer((conn) => {
    clients.add(conn);
    conn.setEncoding('utf8');
    let buf = '';
    conn.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line !== '') void handle(conn, line);
      }
    });
    conn.on('error', () => conn.destroy());
    conn.on('close', () => clients.delete(conn));
  });
  const send = (conn: Socket, obj: Record<string, unknown>) => {
    if (!conn.destroyed) conn.write(`${JSON.stringify(obj)}\n`);
  };
  const handle = async (conn: Socket, line: string) => {
    let msg: { id?: unknown; command?: unknown; args?: unknown };
    try { msg = JSON.parse(line) as typeof msg; } catch { send(conn, { type: 'error', ok: false, message: 'not JSON' }); return; }
    const id = msg.id ?? null;
    const command = typeof msg.command === 'string' ? msg.command : '';
    if (!isCommandName(command)) { send(conn, { id, type: 'result', ok: false, command, message: `unknown command "${command}"` }); return; }
    const args = Array.isArray(msg.args) && msg.args.every((a) => typeof a === 'string' && a.length <= 200) ? (msg.args as string[]).slice(0, 4) : [];
    send(conn, { id, type: 'accepted', command });
    const res = await bus.dispatch({ command, by: 'ctl', args });
    send(conn, { id, type: 'result', ...res });
  };
  // Create the socket with no access for others, then set its mode explicitly.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => { server.off('error', reject); resolve(); });
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(socket, 0o600);
  const regFile = join(dir, `${entry.id}.console.json`);
  const full: RegistryEntry = { ...entry, socket };
  writeFileSync(regFile, `${JSON.stringify(full)}\n`, { mode: 0o600 });
  writeFileSync(join(entry.sessionDir, POINTER_FILE), `${socket}\n`, { mode: 0o600 });
  let closed = false;
  return {
    socket,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(regFile, { force: true });
      rmSync(socket, { force: true });
      rmSync(join(entry.sessionDir, POINTER_FILE), { force: true });
    },
  };
}

export interface CtlReply {
  readonly accepted: boolean;
  readonly result: (CommandResult & { readonly type: 'result' }) | null;
  readonly error: string | null;
}

/**
 * Send one command and wait for its result. `acceptMs`: the console must acknowledge within this
 * (a frozen console is an error, not a hang); `resultMs`: how long to wait for the venue's answer.
 */
export function sendCommand(socket: string, command: string, opts: { acceptMs?: number; resultMs?: number; onAccepted?: () => void; args?: readonly string[] } = {}): Promise<CtlReply> {
  const acceptMs = opts.acceptMs ?? 1000;
  const resultMs = opts.resultMs ?? 30_000;
  return new Promise((resolve) => {
    let accepted = false;
    let done = false;
    let buf = '';
    const conn = createConnection(socket);
    const finish = (r: CtlReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      conn.destroy();
      resolve(r);
    };
    let timer = setTimeout(() => finish({ accepted, result: null, error: `the console did not answer within ${acceptMs} ms (frozen or busy?)` }), acceptMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify({ id: 1, command, ...(opts.args !== undefined && opts.args.length > 0 ? { args: opts.args } : {}) })}\n`));
    conn.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: { type?: string } & Record<string, unknown>;
        try { msg = JSON.parse(line) as typeof msg; } catch { continue; }
        if (msg.type === 'accepted') {
          accepted = true;
          opts.onAccepted?.();
          clearTimeout(timer);
          timer = setTimeout(() => finish({ accepted, result: null, error: `no result within ${Math.round(resultMs / 1000)} s` }), resultMs);
        } else if (msg.type === 'result') {
          finish({ accepted: true, result: msg as unknown as CtlReply['result'], error: null });
        }
      }
    });
    conn.on('error', (err: NodeJS.ErrnoException) => finish({ accepted, result: null, error: err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? `no console is listening on ${socket}` : err.message }));
    conn.on('close', () => finish({ accepted, result: null, error: accepted ? 'the console closed the connection before answering (it may be shutting down)' : 'connection closed' }));
  });
}
