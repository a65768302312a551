/**
 * Hostile, as a process: `parity run --venue ibkr --headless` against the hostile TWS server
 * (spawned asynchronously: the server answers in this process).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IBApi, EventName } from '@stoqey/ib';
import { HostileTws } from './tws-hostile-server.ts';
import { startTwsFake } from '../../src/venue-server/tws/index.ts';

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

  it('client id already in use at start (TWS 326): the one-line user error with the remedy, exit code 2, no stack', async () => {
    const fake = await startTwsFake({ port: 0, account: 'DU1234567', symbols: ['AAPL'] });
    const holder = new IBApi({ host: '127.0.0.1', port: fake.port });
    try {
      // Another program holds client id 5: a raw SDK connection, as TWS sees it.
      await new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error('holder did not connect')), 5000);
        holder.once(EventName.nextValidId, () => { clearTimeout(t); res(); });
        holder.connect(5);
      });
      const r = await run([...base(fake.port), '--ib-client-id', '5']);
      expect(r.out).toMatch(/client id 5 is already in use/i);
      expect(r.out).not.toMatch(/unexpected error|a bug, please report/i);
      expect(r.out).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(2);
    } finally {
      holder.disconnect();
      await fake.close();
    }
  });
});
