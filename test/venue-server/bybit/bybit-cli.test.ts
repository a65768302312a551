/**
 * `parity venue --protocol bybit` as a process: the first stdout line says where it listens, the
 * real ccxt (built as a session builds it, urls rewritten by origin) signs with the key from the
 * flag and the secret from the environment, the data file is replayed as the market, the admin
 * answers on the same port, SIGTERM ends it with status 0, and the secret never reaches its output.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { createExchange } from '../../../src/venues/ccxt/config.ts';
import { BYBIT_PROFILE } from '../../../src/venues/ccxt/profile-bybit.ts';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SECRET = 'bybit-cli-SECRET-77ab';

describe('parity venue --protocol bybit', () => {
  it('listens, replays the data, accepts ccxt signed with the configured key, stops on SIGTERM', async () => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/parity.js'), 'venue', '--protocol', 'bybit', '--port', '0', '--api-key', 'cli-key',
      '--speed', '600', '--data', join(ROOT, 'data/sample/BTC-USD-1m.csv')], {
      env: { ...process.env, NO_COLOR: '1', BYBIT_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let stdout = '';
    const first = new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no listening line; stderr: ${stderr}`)), 15_000);
      createInterface({ input: p.stdout }).once('line', (l) => { stdout += l; clearTimeout(t); res(l); });
    });
    try {
      const port = Number(/^listening 127\.0\.0\.1:(\d+)$/.exec(await first)?.[1]);
      expect(port).toBeGreaterThan(0);
      const base = { password: null, live: false, restUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` };
      const ex = await createExchange(BYBIT_PROFILE, { ...base, apiKey: 'cli-key', secret: SECRET }, { enableRateLimit: false });
      const wrong = await createExchange(BYBIT_PROFILE, { ...base, apiKey: 'cli-key', secret: 'nope' }, { enableRateLimit: false });
      try {
        await new Promise((r) => setTimeout(r, 300));
        const bal = await ex.fetchBalance();
        expect((bal.total as unknown as Record<string, number>)['USDT']).toBe(100_000);
        const ticker = await ex.fetchTicker('BTC/USDT:USDT');
        expect(ticker.last).toBeGreaterThan(50_000);
        const state = (await (await fetch(`http://127.0.0.1:${port}/admin/state`)).json()) as { timeScale: number };
        expect(state.timeScale).toBe(600);
        await expect(wrong.fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
      } finally {
        await closeExchange(ex);
        await closeExchange(wrong);
      }
      const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
      p.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/venue: bybit protocol on http:\/\/127\.0\.0\.1:\d+/);
      expect(stderr + stdout).not.toContain(SECRET);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });
});
