// Budget: 40 s for this file on the 2-core CI machine (33 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
/**
 * End to end: how `parity run` ends, with its terminal attached and after a hangup (SIGHUP), in a
 * real terminal (tmux). A supervisor reads the exit status: a clean `parity ctl shutdown` must end
 * with 0, never 137 (a SIGKILL) or 134 (Node 20's abort restoring a dead terminal's modes,
 * nodejs/node#51519). After a hangup with the pane still open, the screen shows what the engine
 * really holds (PAUSED) and typed keys do not echo. Skipped, with the reason, where tmux is missing.
 *
 * Budget: each case within 20 s: measured 15-17 s each on this 2-core machine under a load average of
 * 8 (most of it the CLI's start-up, about 5 s, and each `parity ctl`, about 2 s).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/parity.js');
const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
/** A tmux server of our own: the operator's sessions are never touched. */
const TMUX = ['-L', `parity-hup-${process.pid}`];
if (!HAS_TMUX) process.stderr.write('test/e2e/hangup.test.ts: tmux not found, hangup end-to-end tests skipped\n');

interface Env { readonly dir: string; readonly runtime: string; readonly name: string; readonly exitFile: string }
const started: { name: string; node: number | null }[] = [];

function setup(tag: string): Env {
  const dir = mkdtempSync(join(tmpdir(), 'phup-'));
  return { dir, runtime: join(dir, 'rt'), name: `hup-${tag}-${process.pid}`, exitFile: join(dir, 'exit-status') };
}

/**
 * The CLI in a pane, at the default pace (the sample data lasts minutes, so the session is still
 * running when the test ends it). The wrapping shell ignores SIGHUP so it outlives a closed pane and
 * writes node's exit status to a file; node installs its own SIGHUP handler, so it still gets one.
 */
function start(e: Env): void {
  const run = `env -u CI -u CONTINUOUS_INTEGRATION PARITY_RUNTIME_DIR=${e.runtime} node bin/parity.js run --sessions-dir ${e.dir}/sessions --state-dir ${e.dir}/state 2>>${e.dir}/stderr.log`;
  const cmd = `cd ${ROOT} && trap '' HUP; ${run}; s=$?; echo $s > ${e.exitFile}; echo "PARITY-EXIT=$s"; sleep 60`;
  execFileSync('tmux', [...TMUX, 'new', '-d', '-s', e.name, '-x', '120', '-y', '40', cmd]);
  started.push({ name: e.name, node: null });
}

const screen = (e: Env): string => execFileSync('tmux', [...TMUX, 'capture-pane', '-p', '-t', e.name], { encoding: 'utf8' });
const keys = (e: Env, ...k: string[]): void => { execFileSync('tmux', [...TMUX, 'send-keys', '-t', e.name, ...k]); };
const stderrOf = (e: Env): string => (existsSync(join(e.dir, 'stderr.log')) ? readFileSync(join(e.dir, 'stderr.log'), 'utf8') : '');

async function until<T>(what: string, probe: () => T | null, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | null = null;
  while (Date.now() < end) {
    last = probe();
    if (last !== null) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${ms} ms`);
}

const waitScreen = (e: Env, re: RegExp, ms?: number): Promise<string> =>
  until(`screen showing ${re}`, () => { const s = screen(e); return re.test(s) ? s : null; }, ms).catch((err: Error) => { throw new Error(`${err.message}:\n${screen(e)}\nstderr: ${stderrOf(e)}`); });

/** The node process in the pane (the pane runs `sh -c ...`; its child is node). */
function nodePid(e: Env): number {
  const pane = execFileSync('tmux', [...TMUX, 'list-panes', '-t', e.name, '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim();
  const pid = Number(execFileSync('pgrep', ['-P', pane, 'node'], { encoding: 'utf8' }).trim().split('\n')[0]);
  const rec = started.find((s) => s.name === e.name);
  if (rec !== undefined) rec.node = pid;
  return pid;
}

function ctl(e: Env, ...args: string[]): { code: number; out: string; json: { status: { killLevel: number; trading: { status: string }; running: boolean } } | null } {
  const r = spawnSync('node', [BIN, 'ctl', ...args], { cwd: tmpdir(), env: { ...process.env, PARITY_RUNTIME_DIR: e.runtime }, encoding: 'utf8', timeout: 30_000 });
  let json = null;
  try { json = JSON.parse(r.stdout) as never; } catch { /* human output */ }
  return { code: r.status ?? -1, out: r.stdout + r.stderr, json };
}

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function exitStatus(e: Env): Promise<number> {
  const s = await until('the exit status file', () => (existsSync(e.exitFile) && readFileSync(e.exitFile, 'utf8').trim() !== '' ? readFileSync(e.exitFile, 'utf8').trim() : null));
  return Number(s);
}

afterEach(() => {
  for (const s of started.splice(0)) {
    // A console survives its terminal going away (by design): a failed test must end it itself.
    if (s.node !== null && alive(s.node)) { try { process.kill(s.node, 'SIGKILL'); } catch { /* gone */ } }
    spawnSync('tmux', [...TMUX, 'kill-session', '-t', s.name]);
  }
});
// An idle anchor session keeps our tmux server alive while a test closes its own session.
beforeAll(() => { if (HAS_TMUX) spawnSync('tmux', [...TMUX, 'new', '-d', '-s', 'anchor', 'sleep 600']); });
afterAll(() => { spawnSync('tmux', [...TMUX, 'kill-server']); });

describe.skipIf(!HAS_TMUX)('hangup and exit status (tmux)', () => {
  it('terminal attached: ctl shutdown ends the process with status 0 and restores the terminal', async () => {
    const e = setup('tty');
    start(e);
    await waitScreen(e, /Events/);
    nodePid(e);
    expect(ctl(e, 'shutdown').code).toBe(0);
    const s = await waitScreen(e, /PARITY-EXIT=\d+/);
    expect(s).toMatch(/PARITY-EXIT=0/);
    expect(await exitStatus(e)).toBe(0);
    // The terminal is back in cooked mode: what is typed now echoes (the shell's `sleep` is reading nothing).
    keys(e, 'echoed-after-exit');
    await waitScreen(e, /echoed-after-exit/, 5000);
  }, 40_000);

  it('SIGHUP with the pane still open: the screen shows PAUSED, keys do not echo, ctl shutdown exits 0', async () => {
    const e = setup('hup-open');
    start(e);
    await waitScreen(e, /Events[\s\S]*ACTIVE|ACTIVE[\s\S]*Events/);
    const pid = nodePid(e);
    process.kill(pid, 'SIGHUP');
    // The default --on-hangup pause: the engine pauses, and the screen says so.
    await waitScreen(e, /PAUSED/);
    const st = ctl(e, 'status', '--json').json;
    expect(st?.status.trading.status).toBe('paused');
    expect(screen(e)).not.toMatch(/\bACTIVE\b/);
    // Keys typed now must not echo raw over the screen (raw mode stays while the console reads).
    keys(e, 'zvzvzv');
    await waitScreen(e, /terminal hung up/); // a later frame than the keys
    expect(screen(e)).not.toContain('zvzvzv');
    expect(ctl(e, 'shutdown').code).toBe(0);
    await until('the process to end', () => (alive(pid) ? null : true), 10_000);
    expect(await exitStatus(e)).toBe(0);
    expect(stderrOf(e)).not.toMatch(/Assertion failed|Aborted/);
  }, 40_000);

  it('SIGHUP with the terminal gone: the engine keeps running paused, ctl shutdown exits 0 (no abort)', async () => {
    const e = setup('hup-gone');
    start(e);
    await waitScreen(e, /Events/);
    const pid = nodePid(e);
    spawnSync('tmux', [...TMUX, 'kill-session', '-t', e.name]); // the terminal goes away
    // tmux signals the pane's process group; a hangup from sshd or the kernel is the same signal.
    if (alive(pid)) process.kill(pid, 'SIGHUP');
    const st = await until('ctl status after the hangup', () => { const j = ctl(e, 'status', '--json').json; return j !== null && j.status.trading.status === 'paused' ? j : null; }, 10_000);
    expect(st.status.running).toBe(true);
    expect(ctl(e, 'shutdown').code).toBe(0);
    await until('the process to end', () => (alive(pid) ? null : true), 10_000);
    expect(await exitStatus(e)).toBe(0);
    expect(stderrOf(e)).not.toMatch(/Assertion failed|Aborted/);
  }, 40_000);
});
