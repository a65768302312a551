/**
 * `parity venue --protocol binance` as a process: the first stdout line says where it listens, the
 * real ccxt.pro.binance (demo trading, origins rewritten) signs with the key from the flag and the
 * secret from the environment, the data file is replayed as the market, the admin answers on the
 * same port, SIGTERM ends it with status 0, and the secret never reaches its output.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';
import { rewriteOrigins } from '../../../src/venues/ccxt/config.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SECRET = 'binance-cli-SECRET-77ab';

describe('parity venue --protocol binance', () => {
  it('listens, replays the data, accepts ccxt signed with the configured credentials, stops on SIGTERM', async () => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/parity.js'), 'venue', '--protocol', 'binance', '--port', '0', '--api-key', 'cli-key',
      '--speed', '600', '--data', join(ROOT, 'data/sample/BTC-USD-1m.csv')], {
      env: { ...process.env, NO_COLOR: '1', BINANCE_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let stdout = '';
    const first = new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no listening line; stderr: ${stderr}`)), 15_000);
      createInterface({ input: p.stdout }).once('line', (l) => { stdout += l; clearTimeout(t); res(l); });
    });
    const make = (secret: string) => {
      const ex = new ccxt.pro.binance({ apiKey: 'cli-key', secret, enableRateLimit: false, options: { defaultType: 'swap', fetchMarkets: { types: ['spot', 'linear'] }, fetchMargins: false, fetchCurrencies: false } });
      (ex as unknown as { enableDemoTrading(on: boolean): void }).enableDemoTrading(true);
      return ex;
    };
    const ex = make(SECRET);
    const wrong = make('nope');
    try {
      const port = Number(/^listening 127\.0\.0\.1:(\d+)$/.exec(await first)?.[1]);
      expect(port).toBeGreaterThan(0);
      for (const e of [ex, wrong]) {
        const urls = e.urls as unknown as Record<string, unknown>;
        urls['api'] = rewriteOrigins(urls['api'], `http://127.0.0.1:${port}`, `ws://127.0.0.1:${port}`);
      }
      await new Promise((r) => setTimeout(r, 300));
      const bal = await ex.fetchBalance({ type: 'swap' });
      expect((bal.total as unknown as Record<string, number>)['USDT']).toBe(100_000);
      const candles = await ex.fetchOHLCV('BTC/USDT:USDT', '1m', undefined, 5);
      expect(candles.length).toBeGreaterThan(0);
      const state = (await (await fetch(`http://127.0.0.1:${port}/admin/state`)).json()) as { timeScale: number };
      expect(state.timeScale).toBe(600);
      wrong.setMarkets(ex.markets);
      await expect(wrong.fetchBalance({ type: 'swap' })).rejects.toThrow(ccxt.AuthenticationError);
      const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
      p.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/venue: binance protocol on http:\/\/127\.0\.0\.1:\d+/);
      expect(stderr + stdout).not.toContain(SECRET);
    } finally {
      await closeExchange(ex);
      await closeExchange(wrong);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  }, 20_000);
});
