/**
 * Hostile, as a process: `parity run --venue ibkr --headless` against the hostile TWS server
 * (spawned asynchronously: the server answers in this process).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostileTws } from './tws-hostile-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let tws: HostileTws | null = null;
afterEach(async () => { await tws?.close(); tws = null; });

function run(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; out: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'parity-ibkr-cli-'));
  return new Promise((res) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/parity.js'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    p.stdin.end();
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => { clearTimeout(t); res({ code, out }); });
  });
}

const base = (port: number): string[] => ['run', '--venue', 'ibkr', '--headless', '--ib-port', String(port), '--symbol', 'AAPL', '--strategy', join(ROOT, 'strategies/sma-cross.ts')];

describe('IBKR hostile: parity run --venue ibkr as a process', () => {
  it('a U (live) account on a non-IB port without --live: refuses to start, exit code non-zero, says why', async () => {
    tws = await HostileTws.start({ accounts: 'U7654321' });
    const r = await run(base(tws.port));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/U7654321 is a live \(real money\) account/);
    expect(tws.placed).toEqual([]);
  });

  it('--live without the account typed (no terminal, no --confirm-account): refuses, nothing placed', async () => {
    tws = await HostileTws.start({ accounts: 'U7654321' });
    const r = await run([...base(tws.port), '--live']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/refusing to trade real money/);
    expect(tws.placed).toEqual([]);
  });
});
