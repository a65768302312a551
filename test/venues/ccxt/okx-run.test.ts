/**
 * `parity run --venue okx --headless`, keys and the base URL from `.env`, against the OKX fake
 * replaying the perpetual sample: the shipped perp-trend strategy trades the USDT swap through ccxt (orders, fills
 * in contracts of 0.01 BTC, our ids fitting clOrdId and tagged), the dead-man switch is armed, SIGTERM ends it with status 0
 * and the switch turned off, and the secret is on no output line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { startOkxFake } from '../../../src/venue-server/okx/index.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const SECRET = 'okx-run-SECRET-8c2f';

describe('parity run --venue okx', () => {
  it('trades the shipped perpetual strategy (perp-trend) on the swap through ccxt, headless, with the dead-man switch armed', async () => {
    const fake = await startOkxFake({ port: 0, secret: SECRET, passphrase: 'Run-Pass2', data: [join(ROOT, 'data/sample/BTC-USDT-SWAP-1m.csv')], speed: 120 });
    const dir = mkdtempSync(join(tmpdir(), 'parity-okx-run-'));
    writeFileSync(join(dir, '.env'), `OKX_API_KEY=${fake.credentials.apiKey}\nOKX_SECRET=${SECRET}\nOKX_PASSPHRASE=Run-Pass2\nOKX_BASE_URL=${fake.restUrl}\nOKX_WS_URL=${fake.wsUrl}\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const k of ['OKX_API_KEY', 'OKX_SECRET', 'OKX_PASSPHRASE', 'OKX_BASE_URL', 'OKX_WS_URL']) delete env[k];
    const run = spawn(process.execPath, [
      join(ROOT, 'bin/parity.js'), 'run', '--venue', 'okx', '--headless', '--symbol', 'BTC/USDT:USDT', '-s', join(ROOT, 'strategies/perp-trend.ts'),
      '-p', 'fast=2', '-p', 'slow=4', '--no-typecheck',
    ], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    run.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const lines: Record<string, unknown>[] = [];
    createInterface({ input: run.stdout }).on('line', (l) => { out += `${l}\n`; try { lines.push(JSON.parse(l) as Record<string, unknown>); } catch { /* not JSON */ } });
    try {
      const end = Date.now() + 45_000; // a deadline, not a wait: the loop ends at the second fill (a loaded machine starts the CLI slowly)
      while (lines.filter((l) => l.kind === 'fill').length < 2 && Date.now() < end && run.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const fills = lines.filter((l) => l.kind === 'fill');
      expect(fills.length, `${out}\n${err}`).toBeGreaterThanOrEqual(2);
      expect(fills[0]).toMatchObject({ symbol: 'BTC/USDT:USDT', liquidity: 'taker' });
      // Its exits are reduce-only market orders: the swap takes them (spot would refuse).
      expect(lines.some((l) => l.kind === 'order' && JSON.stringify(l).includes('"reduceOnly":true'))).toBe(true);
      expect(lines.some((l) => l.kind === 'info' && typeof l.message === 'string' && /dead-man switch armed \(60 s\)/.test(l.message))).toBe(true);
      expect(fake.admin.state().orders.every((o) => o.tag === 'parity' && /^[A-Za-z0-9]{1,32}$/.test(o.clOrdId))).toBe(true);
      const exited = new Promise<number | null>((r) => run.once('exit', (code) => r(code)));
      run.kill('SIGTERM');
      expect(await exited).toBe(0);
      // An orderly exit turns the switch off (orders left as they are, as on every venue). (The fake
      // counts the countdown on its replay clock, 120x here, so it is not asserted armed mid-run.)
      expect(fake.admin.state().deadMan).toEqual([]);
      expect(out + err).not.toContain(SECRET);
    } finally {
      if (run.exitCode === null) run.kill('SIGKILL');
      await fake.close();
    }
  }, 30_000);
});
