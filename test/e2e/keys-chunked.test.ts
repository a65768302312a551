// Budget: 40 s for this file on the 2-core CI machine (31 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
/**
 * End to end at 80x24 (tmux), issue 10 items 4-6: keys that arrive in one chunk each count
 * (`send-keys -l ff` in one call flattens), a bracketed paste of "ff" does nothing, p from L3 only
 * arms and the second p resumes, `d d` on the positions pane closes the selected position, and the
 * screen shows no cut figure. Budget: about 20 s here (capped at 120 s for a loaded machine).
 * Skipped, with the reason, where tmux is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/parity.js');
const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
const TMUX = ['-L', `parity-keys-${process.pid}`];
if (!HAS_TMUX) process.stderr.write('test/e2e/keys-chunked.test.ts: tmux not found, end-to-end key tests skipped\n');

const dir = mkdtempSync(join(tmpdir(), 'pkeys-'));
const runtime = join(dir, 'rt');
const NAME = 'keys';

const screen = (): string => execFileSync('tmux', [...TMUX, 'capture-pane', '-p', '-t', NAME], { encoding: 'utf8' });
const tmux = (...a: string[]): void => { execFileSync('tmux', [...TMUX, ...a]); };

async function waitScreen(re: RegExp, ms = 15_000): Promise<string> {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    s = screen();
    if (re.test(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screen never showed ${re}:\n${s}`);
}

interface Status { status: { killLevel: number; positions: { symbol: string; qty: number }[]; trading: { status: string } } }
function status(): Status | null {
  const r = spawnSync('node', [BIN, 'ctl', 'status', '--json'], { cwd: tmpdir(), env: { ...process.env, PARITY_RUNTIME_DIR: runtime }, encoding: 'utf8', timeout: 20_000 });
  try { return JSON.parse(r.stdout) as Status; } catch { return null; }
}
async function waitStatus(ok: (s: Status) => boolean, what: string, ms = 20_000): Promise<Status> {
  const end = Date.now() + ms;
  let last: Status | null = null;
  while (Date.now() < end) {
    last = status();
    if (last !== null && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`never saw ${what}: ${JSON.stringify(last)}`);
}

beforeAll(() => {
  if (!HAS_TMUX) return;
  const cmd = `cd ${ROOT} && env -u CI -u CONTINUOUS_INTEGRATION PARITY_RUNTIME_DIR=${runtime} node bin/parity.js run --sessions-dir ${join(dir, 'sessions')} --state-dir ${join(dir, 'state')} --speed 1500 --confirm-timeout 5000 2>>${dir}/stderr.log; echo "PARITY-EXIT=$?"; sleep 60`;
  tmux('new', '-d', '-s', NAME, '-x', '80', '-y', '24', cmd);
});
afterAll(() => {
  if (!HAS_TMUX) return;
  spawnSync('node', [BIN, 'ctl', 'shutdown'], { cwd: tmpdir(), env: { ...process.env, PARITY_RUNTIME_DIR: runtime }, timeout: 20_000 });
  spawnSync('tmux', [...TMUX, 'kill-server']);
});

describe.skipIf(!HAS_TMUX)('keys at 80x24 (tmux)', () => {
  it('a paste is ignored; ff in one chunk flattens; p from L3 asks, p p resumes; d d closes a position', async () => {
    // Start-up (tsx compiling the sources) takes seconds, more on a loaded machine.
    await waitScreen(/Orders[\s\S]*Positions[\s\S]*Events/, 45_000);
    await waitStatus((s) => s.status.positions.length > 0, 'a position');

    // d d on the positions pane closes the selected position (first, while the strategy holds one:
    // after a flatten it may not buy again before the data ends). The strategy trades by itself, so
    // its position may close on its own between two looks: try again until one d d closes it.
    tmux('send-keys', '-t', NAME, 'Tab');
    await waitScreen(/▶ Positions/);
    let done = '';
    for (let i = 0; i < 10 && done === ''; i++) {
      const s = await waitStatus((x) => x.status.positions.some((p) => p.qty !== 0), 'a position');
      const sym = s.status.positions.find((p) => p.qty !== 0)!.symbol;
      tmux('send-keys', '-t', NAME, 'd');
      const armed = await waitScreen(new RegExp(`press d again within 3 s to CLOSE the position ${sym}|${sym} is flat: nothing to close`));
      if (!armed.includes('press d again')) continue;
      tmux('send-keys', '-t', NAME, 'd');
      const after = await waitScreen(new RegExp(`close-position: (${sym} position closed|no open position in ${sym})`));
      if (after.includes('position closed')) done = after;
    }
    tmux('send-keys', '-t', NAME, 'BTab'); // back to the orders pane

    // A bracketed paste (tmux pastes with the markers because the console asked for them) of "ff".
    tmux('set-buffer', '-b', 'pk', 'ff');
    tmux('paste-buffer', '-p', '-d', '-b', 'pk', '-t', NAME);
    await waitScreen(/paste ignored/);
    expect(status()!.status.killLevel).toBe(0);

    // Two presses of f that arrive as one chunk.
    tmux('send-keys', '-t', NAME, '-l', 'ff');
    await waitStatus((s) => s.status.killLevel === 3, 'kill level 3 after ff');
    await waitScreen(/flatten: (every parity position closed|no open orders, no positions)/);

    // From L3 one p only asks (and says what tripped); the second p resumes.
    tmux('send-keys', '-t', NAME, 'p');
    const asked = await waitScreen(/press p again within 3 s to RESUME, any other key aborts\.\s+Stopped\s+by\s+kill\s+switch\s+L3/);
    // Still L3 after one p (read off the screen: a ctl round trip could outlast the 3 s window).
    expect(asked).toMatch(/KILL L3/);
    tmux('send-keys', '-t', NAME, 'p');
    await waitStatus((s) => s.status.killLevel === 0 && s.status.trading.status === 'active', 'resumed');

    expect(done).toMatch(/close-position: \S+ position closed/);
    expect(status()!.status.killLevel).toBe(0);
    for (const l of done.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    // Status bar, orders, positions and P&L: no figure cut (event lines are free text, whole on enter).
    expect(done.split('  Events')[0]).not.toMatch(/\d…/);
  }, 120_000);
});
