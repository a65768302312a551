/**
 * A whole OKX session in process (modes/ccxt.ts on the shared venue-session assembly) against the
 * fake: the strategy's order goes through ccxt, and funding the venue books lands on the engine's
 * books through the entries sink (the recorder's wrapper passes it on), once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';
import { startCcxt, type CcxtSession } from '../../../src/modes/ccxt.ts';
import { OKX_PROFILE } from '../../../src/venues/ccxt/profiles.ts';
import { ConfigSchema } from '../../../src/config/schema.ts';

const API = resolve(import.meta.dirname, '../../../src/api.ts');
const STRATEGY = `import { defineStrategy, z } from '${API}';
export default defineStrategy({
  name: 'buy-once', description: 'buys 2 contracts on the first bar closing at 50123', params: z.object({}),
  create() { let done = false; return { onBar(bar, ctx) { if (done || bar.close !== 50123) return; done = true; ctx.submit({ symbol: bar.symbol, side: 'buy', type: 'market', qty: 2 }); } }; },
});
`;

async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('an OKX session', () => {
  let fake: OkxFake | undefined;
  let session: CcxtSession | undefined;
  afterEach(async () => {
    session?.engine.stop();
    await session?.engine.execution.disconnect();
    await session?.done.catch(() => undefined);
    await fake?.close();
    session = undefined;
    fake = undefined;
  });

  it('trades through ccxt and books the venue\'s funding on the engine\'s ledger once', async () => {
    const t0 = Date.now() - 3_600_000;
    fake = await startOkxFake({ port: 0, speed: 0, startTime: t0 });
    const dir = mkdtempSync(join(tmpdir(), 'parity-okx-session-'));
    writeFileSync(join(dir, 'buy-once.ts'), STRATEGY);
    const config = ConfigSchema.parse({
      strategy: { file: join(dir, 'buy-once.ts'), typecheck: false }, run: { sessionsDir: join(dir, 'sessions') },
      okx: { symbols: ['BTC/USDT:USDT'], deadMan: { enabled: false } },
    });
    const env = { OKX_API_KEY: fake.credentials.apiKey, OKX_SECRET: fake.credentials.secret, OKX_PASSPHRASE: fake.credentials.passphrase, OKX_BASE_URL: fake.restUrl, OKX_WS_URL: fake.wsUrl };
    let warmed = false;
    session = await startCcxt(OKX_PROFILE, config, [{ onWarmup: () => { warmed = true; } }], { live: false, env, stateDir: join(dir, 'state'), billsPollMs: 200, heartbeatMs: 0, reconcilePeriodMs: 0 });
    await session.recovered;
    // The live feed subscribes after the warm-up: a bar before it would be history.
    await until('the warm-up', () => warmed);
    await new Promise((r) => setTimeout(r, 400));
    const bar = (i: number, px: number) => fake!.admin.pushBar({ instId: 'BTC-USDT-SWAP', ts: t0 + i * 60_000, open: px, high: px, low: px, close: px, volume: 10 });
    bar(0, 50_123);
    await until('the order', () => fake!.admin.state().orders.length === 1);
    bar(1, 50_000);
    await until('the position', () => session!.engine.portfolio.position('BTC/USDT:USDT').qty === 2);
    const ids = fake.admin.fundNow('BTC-USDT-SWAP', 0.0001);
    expect(ids).toHaveLength(1);
    await until('funding booked', () => session!.engine.portfolio.account().funding !== 0);
    await new Promise((r) => setTimeout(r, 500));
    // 2 contracts x 0.01 BTC x 50 000 x 0.0001 = 0.1 USDT paid by a long, booked once.
    expect(session.engine.portfolio.account().funding).toBeCloseTo(-0.1, 9);
    expect(session.engine.execution.deadMan?.()).toMatchObject({ state: 'off' });
  }, 20_000);

  it('refuses keys the venue refuses, saying which settings to check and never the secret', async () => {
    fake = await startOkxFake({ port: 0, speed: 0 });
    const config = ConfigSchema.parse({ okx: { symbols: ['BTC/USDT:USDT'] } });
    const env = { OKX_API_KEY: fake.credentials.apiKey, OKX_SECRET: 'wrong-SECRET-77', OKX_PASSPHRASE: fake.credentials.passphrase, OKX_BASE_URL: fake.restUrl, OKX_WS_URL: fake.wsUrl };
    const err = await startCcxt(OKX_PROFILE, config, [], { live: false, env, stateDir: mkdtempSync(join(tmpdir(), 'parity-okx-keys-')) }).then(() => null, (e: unknown) => e as Error);
    expect(err?.name).toBe('CcxtConfigError');
    expect(err?.message).toMatch(/OKX refused the keys.*OKX_API_KEY, OKX_SECRET and OKX_PASSPHRASE/);
    expect(err?.message).not.toContain('wrong-SECRET-77');
  });

  it('--live needs the account\'s UID typed: a wrong one refuses before anything is traded, the right one starts on the live account', async () => {
    fake = await startOkxFake({ port: 0, speed: 0, liveAccount: true, uid: '4571882' });
    const dir = mkdtempSync(join(tmpdir(), 'parity-okx-live-'));
    const config = ConfigSchema.parse({ okx: { symbols: ['BTC/USDT:USDT'], deadMan: { enabled: false } }, run: { sessionsDir: join(dir, 'sessions') } });
    const env = { OKX_API_KEY: fake.credentials.apiKey, OKX_SECRET: fake.credentials.secret, OKX_PASSPHRASE: fake.credentials.passphrase, OKX_BASE_URL: fake.restUrl, OKX_WS_URL: fake.wsUrl };
    const wrong = await startCcxt(OKX_PROFILE, config, [], { live: true, confirmAccount: '4571883', env, stateDir: join(dir, 'state') }).then(() => null, (e: unknown) => e as Error);
    expect(wrong?.message).toMatch(/refusing to trade real money.*UID/);
    expect(fake.admin.state().orders).toHaveLength(0);
    let named = '';
    session = await startCcxt(OKX_PROFILE, config, [], { live: true, confirmAccount: '4571882', env, stateDir: join(dir, 'state'), heartbeatMs: 0, onAccount: (v, a) => { named = `${v} ${a.accountId} ${a.live}`; } });
    expect(named).toBe('okx-live 4571882 true');
    expect(session.storeDir).toMatch(/okx-live-4571882$/);
  });
});
