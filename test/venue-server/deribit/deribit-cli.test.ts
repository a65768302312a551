/**
 * `parity venue --protocol deribit` as a process: the first stdout line says where it listens, the
 * real ccxt signs with the client id from the flag and the secret from the environment, the data
 * file is replayed as the market on the perpetual, the order connection logs in on its websocket,
 * the admin answers on the same port, SIGTERM ends it with status 0, and the secret never reaches
 * its output. Flags of other protocols are refused.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { runCryptoVenue } from '../../../src/cli/venue-crypto.ts';
import { DeribitConnection } from '../../../src/venues/ccxt/jsonrpc-connection.ts';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SECRET = 'deribit-cli-SECRET-7a2c';

describe('parity venue --protocol deribit', () => {
  it('listens, replays the data, accepts ccxt and the order connection signed with the configured keys, stops on SIGTERM', async () => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/parity.js'), 'venue', '--protocol', 'deribit', '--port', '0', '--api-key', 'cli-id',
      '--speed', '600', '--data', join(ROOT, 'data/sample/BTC-USD-1m.csv')], {
      env: { ...process.env, NO_COLOR: '1', DERIBIT_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let stdout = '';
    const first = new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no listening line; stderr: ${stderr}`)), 15_000);
      createInterface({ input: p.stdout }).once('line', (l) => { stdout += l; clearTimeout(t); res(l); });
    });
    const ex = new ccxt.pro.deribit({ apiKey: 'cli-id', secret: SECRET, enableRateLimit: false });
    try {
      const port = Number(/^listening 127\.0\.0\.1:(\d+)$/.exec(await first)?.[1]);
      expect(port).toBeGreaterThan(0);
      ex.setSandboxMode(true);
      (ex.urls as unknown as { api: Record<string, string> }).api = { rest: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws/api/v2` };
      await new Promise((r) => setTimeout(r, 300));
      const bal = await ex.fetchBalance();
      expect(bal['USDC']?.total).toBe(100_000);
      const ticker = await ex.fetchTicker('BTC/USDC:USDC');
      expect(ticker.last).toBeGreaterThan(0);
      const conn = new DeribitConnection({ url: `ws://127.0.0.1:${port}/ws/api/v2`, apiKey: 'cli-id', secret: SECRET, exchange: ex });
      expect(await conn.enableCancelOnDisconnect()).toEqual({ result: 'ok' });
      await conn.close();
      const state = (await (await fetch(`http://127.0.0.1:${port}/admin/state`)).json()) as { timeScale: number };
      expect(state.timeScale).toBe(600);
      const wrong = new ccxt.deribit({ apiKey: 'cli-id', secret: 'nope' });
      (wrong.urls as unknown as { api: Record<string, string> }).api = { rest: `http://127.0.0.1:${port}` };
      wrong.setMarkets(ex.markets);
      await expect(wrong.fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
      const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
      p.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/venue: deribit protocol on http:\/\/127\.0\.0\.1:\d+/);
      expect(stderr + stdout).not.toContain(SECRET);
    } finally {
      await closeExchange(ex);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });

  it('refuses flags of other protocols', async () => {
    await expect(runCryptoVenue('deribit', { port: 0, data: [], state: 'x.json' }, 1, {})).rejects.toThrow(/--state is not for --protocol deribit/);
  });
});
