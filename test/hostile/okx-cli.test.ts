// Budget: 25 s for this file on the 2-core CI machine (18 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
/**
 * Hostile, as a process: `parity run --venue okx --headless` against the hostile OKX server (spawned
 * asynchronously: the server answers in this process). What the trader sees on the terminal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CREDS, startHostile, type Hostile } from './okx-hostile-server.ts';
import { leaks } from './okx-harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let h: Hostile | undefined;
let child: ChildProcess | undefined;
afterEach(async () => { if (child !== undefined && child.exitCode === null) child.kill('SIGKILL'); child = undefined; await h?.close(); h = undefined; });

/**
 * `untilMs` only guards against a hang (SIGKILL). `signalWhen`: SIGINT once the output shows it (a
 * condition, not a fixed wait: under load start-up alone can take most of ten seconds).
 */
function run(h: Hostile, o: { untilMs: number; signalWhen?: RegExp }): Promise<{ code: number | null; out: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'parity-okx-cli-'));
  const env = { ...process.env, NO_COLOR: '1', OKX_API_KEY: CREDS.apiKey, OKX_SECRET: CREDS.secret, OKX_PASSPHRASE: CREDS.passphrase, OKX_BASE_URL: h.restUrl, OKX_WS_URL: h.wsUrl };
  return new Promise((res) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/parity.js'), 'run', '--venue', 'okx', '--headless', '--symbol', 'BTC/USDT:USDT', '--strategy', join(ROOT, 'strategies/sma-cross.ts')], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child = p;
    let out = '';
    let signaled = false;
    const seen = (d: Buffer) => {
      out += d.toString();
      if (!signaled && o.signalWhen?.test(out) === true) { signaled = true; p.kill('SIGINT'); }
    };
    p.stdout.on('data', seen);
    p.stderr.on('data', seen);
    p.stdin.end();
    const t = setTimeout(() => p.kill('SIGKILL'), o.untilMs);
    p.on('close', (code) => { clearTimeout(t); res({ code, out }); });
  });
}

describe('OKX hostile: parity run --venue okx --headless as a process', () => {
  it('a venue clock five minutes off: exits non-zero with one line about the clock, no stack, no secret', async () => {
    h = await startHostile();
    h.skewMs = 5 * 60_000;
    const r = await run(h, { untilMs: 40_000 });
    expect(r.code).not.toBe(0);
    expect(leaks(r.out)).toEqual([]);
    expect(r.out).not.toMatch(/\n\s+at /);
    expect(r.out).toMatch(/clock/i);
  }, 45_000);

  it('a websocket login refused with the request echoed (OKX 60012 echoes it): nothing secret reaches the terminal, and it says the login failed', async () => {
    h = await startHostile();
    h.wsLogin = 'login-fails-echo';
    // With the private streams down, new signals are held (the watchdog pauses trading): stop it once it has.
    const paused = /"kind":"state","status":"paused"/;
    const r = await run(h, { untilMs: 40_000, signalWhen: paused });
    expect(leaks(r.out)).toEqual([]);
    expect(r.out).toMatch(/60012|login/i);
    expect(r.out).toMatch(paused);
  }, 45_000);
});
