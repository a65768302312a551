/**
 * `parity venue --protocol okx` as a process: the first stdout line says where it listens, the real
 * ccxt signs with the key from the flag and the secret and passphrase from the environment, the data
 * file is replayed as the market, the admin answers on the same port, SIGTERM ends it with status 0,
 * and the secret never reaches its output. Spawned asynchronously (ccxt in this process talks to it).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import ccxt from 'ccxt';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerVenue } from '../../../src/cli/venue.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SECRET = 'okx-cli-SECRET-5d1e';
const PASS = 'Cli-Pass-9';

describe('parity venue --protocol okx', () => {
  it('listens, replays the data, accepts ccxt signed with the configured credentials, stops on SIGTERM', async () => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/parity.js'), 'venue', '--protocol', 'okx', '--port', '0', '--api-key', 'cli-key',
      '--speed', '600', '--data', join(ROOT, 'data/sample/BTC-USD-1m.csv')], {
      env: { ...process.env, NO_COLOR: '1', OKX_SECRET: SECRET, OKX_PASSPHRASE: PASS }, stdio: ['ignore', 'pipe', 'pipe'],
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
      const ex = new ccxt.okx({
        apiKey: 'cli-key', secret: SECRET, password: PASS, enableRateLimit: false, headers: { 'x-simulated-trading': '1' },
        urls: { api: { rest: `http://127.0.0.1:${port}` } }, options: { fetchMarkets: { types: ['spot', 'swap'] } },
      });
      await new Promise((r) => setTimeout(r, 300));
      const bal = await ex.fetchBalance();
      expect(bal.USDT?.total).toBe(100_000);
      const ticker = await ex.fetchTicker('BTC/USDT:USDT');
      expect(ticker.last).toBeGreaterThan(0);
      const state = (await (await fetch(`http://127.0.0.1:${port}/admin/state`)).json()) as { now: number; timeScale: number };
      expect(state.timeScale).toBe(600);
      const wrong = new ccxt.okx({ apiKey: 'cli-key', secret: 'nope', password: PASS, headers: { 'x-simulated-trading': '1' }, urls: { api: { rest: `http://127.0.0.1:${port}` } } });
      await expect(wrong.fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
      const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
      p.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/venue: okx protocol on http:\/\/127\.0\.0\.1:\d+/);
      expect(stderr + stdout).not.toContain(SECRET);
      expect(stderr + stdout).not.toContain(PASS);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });

  it('runs its venue clock at real time unless --speed is given', async () => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/parity.js'), 'venue', '--protocol', 'okx', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((res, rej) => {
        const t = setTimeout(() => rej(new Error('no listening line')), 15_000);
        createInterface({ input: p.stdout }).once('line', (l) => { clearTimeout(t); res(l); });
      });
      const port = Number(/^listening 127\.0\.0\.1:(\d+)$/.exec(line)?.[1]);
      const state = (await (await fetch(`http://127.0.0.1:${port}/admin/state`)).json()) as { now: number; timeScale: number };
      expect(state.timeScale).toBe(1);
      expect(Math.abs(state.now - Date.now())).toBeLessThan(5_000);
      const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
      p.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });

  it('refuses flags of other protocols, and okx flags on other protocols', async () => {
    const program = new Command().exitOverride();
    registerVenue(program);
    await expect(program.parseAsync(['node', 'parity', 'venue', '--protocol', 'okx', '--state', 'x.json'])).rejects.toThrow(/--state is not for --protocol okx/);
    const again = new Command().exitOverride();
    registerVenue(again);
    await expect(again.parseAsync(['node', 'parity', 'venue', '--protocol', 'tws', '--live-account'])).rejects.toThrow(/--live-account is for --protocol okx/);
  });
});
