/**
 * `parity venue --protocol okx|binance|bybit|deribit`, the runner in-process: the flags of other
 * protocols refused with the same words, the key from --api-key else <VENUE>_API_KEY, the
 * first stdout line `listening 127.0.0.1:PORT`, the log line that says where to point ccxt,
 * --quiet, --account-cash and the speed reaching the fake, and close once told to stop. (The
 * spawned `parity venue` tests beside each fake prove the secrets and the signals.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCryptoVenue, type CryptoProtocol } from '../../src/cli/venue-crypto.ts';

const venues: readonly { protocol: CryptoProtocol; env: string; line: (port: number, key: string) => string }[] = [
  { protocol: 'okx', env: 'OKX', line: (p, k) => `rest http://127.0.0.1:${p}, websocket ws://127.0.0.1:${p}/ws/v5, admin http://127.0.0.1:${p}/admin; api key ${k}` },
  { protocol: 'binance', env: 'BINANCE', line: (p, k) => `BINANCE_BASE_URL=http://127.0.0.1:${p} BINANCE_WS_URL=ws://127.0.0.1:${p}, admin http://127.0.0.1:${p}/admin; api key ${k}` },
  { protocol: 'bybit', env: 'BYBIT', line: (p, k) => `BYBIT_BASE_URL=http://127.0.0.1:${p} BYBIT_WS_URL=ws://127.0.0.1:${p}, admin http://127.0.0.1:${p}/admin; api key ${k}` },
  { protocol: 'deribit', env: 'DERIBIT', line: (p, k) => `DERIBIT_BASE_URL=http://127.0.0.1:${p} DERIBIT_WS_URL=ws://127.0.0.1:${p}/ws/api/v2, admin http://127.0.0.1:${p}/admin; client id ${k}` },
];

/** Runs the venue until the test has looked, capturing what it writes to stdout and stderr. */
async function run(protocol: CryptoProtocol, flags: Parameters<typeof runCryptoVenue>[1], speed: number, env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err.push(String(s)); return true; });
  let stop = (): void => {};
  const stopped = new Promise<void>((r) => { stop = r; });
  const done = runCryptoVenue(protocol, flags, speed, env, stopped);
  for (let i = 0; i < 200 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const port = Number(/^listening 127\.0\.0\.1:(\d+)\n$/.exec(out[0] ?? '')?.[1]);
  const state = (await (await fetch(`http://127.0.0.1:${port}/admin/state`)).json()) as { timeScale: number; cash: number };
  stop();
  await done;
  vi.restoreAllMocks();
  return { out, err, port, state };
}

afterEach(() => { vi.restoreAllMocks(); });

describe.each(venues)('parity venue --protocol $protocol (runner)', ({ protocol, env, line }) => {
  it('refuses the flags of other protocols, each by name', async () => {
    const refused = [['--state', { state: 'x.json' }], ['--key-id', { keyId: 'k' }], ['--account', { account: 'DU1' }], ['--admin-port', { adminPort: 0 }],
      ['--faults', { faults: 'f.json' }], ['--account-type', { accountType: 'cash' }]] as const;
    for (const [flag, extra] of refused) {
      await expect(runCryptoVenue(protocol, { port: 0, data: [], ...extra }, 1, {})).rejects.toThrow(
        `${flag} is not for --protocol ${protocol} (its admin, faults included, is /admin on the same port; the books live in memory)`);
    }
  });

  it('prints where it listens, logs where to point ccxt with the key from the environment, and takes the cash and the speed', async () => {
    const r = await run(protocol, { port: 0, data: [], accountCash: 4321 }, 3, { [`${env}_API_KEY`]: 'env-key', [`${env}_SECRET`]: 'env-SECRET-9' });
    expect(r.out).toEqual([`listening 127.0.0.1:${r.port}\n`]);
    expect(r.err).toContain(`venue: ${line(r.port, 'env-key')}\n`);
    expect(r.err.some((l) => l.startsWith(`venue: ${protocol} protocol on http://127.0.0.1:${r.port}`))).toBe(true);
    expect(r.err.join('')).not.toContain('env-SECRET-9');
    expect(r.state.timeScale).toBe(3);
    expect(r.state.cash).toBe(4321);
  });

  it('--api-key wins over the environment; --quiet writes no log line', async () => {
    const loud = await run(protocol, { port: 0, data: [], apiKey: 'flag-key' }, 1, { [`${env}_API_KEY`]: 'env-key' });
    expect(loud.err).toContain(`venue: ${line(loud.port, 'flag-key')}\n`);
    const quiet = await run(protocol, { port: 0, data: [], quiet: true }, 1, {});
    expect(quiet.out).toEqual([`listening 127.0.0.1:${quiet.port}\n`]);
    expect(quiet.err).toEqual([]);
  });
});

describe('parity venue --protocol deribit --live-account (runner)', () => {
  it('answers testnet: false; without the flag testnet: true', async () => {
    for (const live of [true, false]) {
      let stop = (): void => {};
      const stopped = new Promise<void>((r) => { stop = r; });
      const out: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
      const done = runCryptoVenue('deribit', { port: 0, data: [], quiet: true, liveAccount: live }, 1, {}, stopped);
      for (let i = 0; i < 200 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      vi.restoreAllMocks();
      const port = Number(/(\d+)\n$/.exec(out[0] ?? '')?.[1]);
      const body = (await (await fetch(`http://127.0.0.1:${port}/api/v2/public/get_time`)).json()) as { testnet: boolean };
      stop();
      await done;
      expect(body.testnet).toBe(!live);
    }
  });
});
