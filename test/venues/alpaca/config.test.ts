/** Keys and endpoints: paper by default, live only with --live, and no URL that contradicts the mode. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSettings, envWithDotEnv, resolveAlpacaSettings } from '../../../src/venues/alpaca/config.ts';
import { confirmLive } from '../../../src/modes/alpaca.ts';

const keys = { ALPACA_KEY_ID: 'PKTESTKEY123', ALPACA_SECRET_KEY: 'supersecretvalue' };

describe('alpaca settings', () => {
  it('defaults to the paper endpoints', () => {
    const s = resolveAlpacaSettings(keys, { live: false });
    expect(s).toMatchObject({ live: false, baseUrl: 'https://paper-api.alpaca.markets', streamUrl: 'wss://paper-api.alpaca.markets/stream', dataUrl: 'wss://stream.data.alpaca.markets' });
    expect(resolveAlpacaSettings(keys, { live: true }).baseUrl).toBe('https://api.alpaca.markets');
  });

  it('refuses a base URL that contradicts the mode', () => {
    expect(() => resolveAlpacaSettings({ ...keys, ALPACA_BASE_URL: 'https://api.alpaca.markets' }, { live: false })).toThrow(/LIVE API.*--live was not given/);
    expect(() => resolveAlpacaSettings({ ...keys, ALPACA_BASE_URL: 'https://paper-api.alpaca.markets' }, { live: true })).toThrow(/paper API/);
    expect(() => resolveAlpacaSettings({ ...keys, ALPACA_STREAM_URL: 'wss://api.alpaca.markets/stream' }, { live: false })).toThrow(/LIVE/);
  });

  it('needs both keys and refuses plain http off this machine', () => {
    expect(() => resolveAlpacaSettings({ ALPACA_KEY_ID: 'x' }, { live: false })).toThrow(/ALPACA_SECRET_KEY is not set/);
    expect(() => resolveAlpacaSettings({ ...keys, ALPACA_BASE_URL: 'http://example.com' }, { live: false })).toThrow(/only 127.0.0.1/);
  });

  it('a local venue serves REST, trade updates and market data on one port', () => {
    const s = resolveAlpacaSettings({ ...keys, ALPACA_BASE_URL: 'http://127.0.0.1:4100' }, { live: false });
    expect(s).toMatchObject({ baseUrl: 'http://127.0.0.1:4100', streamUrl: 'ws://127.0.0.1:4100/stream', dataUrl: 'ws://127.0.0.1:4100' });
  });

  it('reads .env under the environment, never printing the secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'ALPACA_KEY_ID=FROMFILE\nALPACA_SECRET_KEY="file secret"\n');
    const env = envWithDotEnv({ ALPACA_KEY_ID: 'FROMENV' }, file);
    expect(env).toMatchObject({ ALPACA_KEY_ID: 'FROMENV', ALPACA_SECRET_KEY: 'file secret' });
    const text = describeSettings(resolveAlpacaSettings(env, { live: false }));
    expect(text).not.toContain('file secret');
    expect(text).not.toContain('FROMENV');
  });
});

describe('confirmLive', () => {
  const acct = { accountId: 'ACC-1', live: true, status: 'active' as const };
  it('paper needs nothing; live needs the matching account id', async () => {
    await expect(confirmLive(acct, { live: false })).resolves.toBeUndefined();
    await expect(confirmLive(acct, { live: false, confirmAccount: 'ACC-1' })).rejects.toThrow(/only applies with --live/);
    await expect(confirmLive(acct, { live: true })).rejects.toThrow(/--confirm-account ACC-1/);
    await expect(confirmLive(acct, { live: true, confirmAccount: 'ACC-2' })).rejects.toThrow(/does not match/);
    await expect(confirmLive({ ...acct, status: 'restricted' }, { live: true, confirmAccount: 'ACC-1' })).rejects.toThrow(/restricted/);
    await expect(confirmLive(acct, { live: true, confirmAccount: 'ACC-1' })).resolves.toBeUndefined();
  });
  it('on a terminal the operator types the account id; pressing y is not enough', async () => {
    const asked: string[] = [];
    const answer = (a: string) => async (q: string) => { asked.push(q); return a; };
    await expect(confirmLive(acct, { live: true, prompt: answer('ACC-1\n') })).resolves.toBeUndefined();
    expect(asked[0]).toMatch(/LIVE trading on account ACC-1 with real money/);
    await expect(confirmLive(acct, { live: true, prompt: answer('y') })).rejects.toThrow(/does not match: not starting/);
  });
});
