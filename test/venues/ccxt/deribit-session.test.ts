/**
 * A whole Deribit session in process (modes/ccxt.ts; orders over the session's JSON-RPC order
 * connection, its cancel-on-disconnect as the dead-man switch) against the fake: the strategy
 * trades, the venue's funding settlement lands on the engine's books once, the reconciliation
 * against the venue is clean; keys the venue refuses are said as the keys' problem without the
 * secret; --live checks the user id typed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDeribitFake, type DeribitFake } from '../../../src/venue-server/deribit/index.ts';
import { startCcxt, type CcxtSession } from '../../../src/modes/ccxt.ts';
import { DERIBIT_PROFILE } from '../../../src/venues/ccxt/profile-deribit.ts';
import { ConfigSchema } from '../../../src/config/schema.ts';

const PERP = 'BTC/USDC:USDC';

async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const envOf = (f: DeribitFake, secret = f.credentials.secret) => ({ DERIBIT_API_KEY: f.credentials.apiKey, DERIBIT_SECRET: secret, DERIBIT_BASE_URL: f.restUrl, DERIBIT_WS_URL: f.wsUrl });

describe('a Deribit session', () => {
  let fake: DeribitFake | undefined;
  let session: CcxtSession | undefined;
  afterEach(async () => {
    session?.engine.stop();
    await session?.engine.execution.disconnect();
    await session?.done.catch(() => undefined);
    await fake?.close();
    session = undefined;
    fake = undefined;
  });

  it('trades through the order connection with the switch armed, books funding once, and the reconciliation is clean', async () => {
    const t0 = Date.now() - 3_600_000;
    fake = await startDeribitFake({ port: 0, speed: 0, startTime: t0 });
    const dir = mkdtempSync(join(tmpdir(), 'parity-deribit-session-'));
    const config = ConfigSchema.parse({
      strategy: { file: join(import.meta.dirname, '../../../strategies/perp-trend.ts'), typecheck: false, params: { fast: 2, slow: 4, exposure: 0.5 } },
      run: { sessionsDir: join(dir, 'sessions') },
      deribit: { symbols: [PERP] },
    });
    session = await startCcxt(DERIBIT_PROFILE, config, [], { live: false, env: envOf(fake), stateDir: join(dir, 'state'), billsPollMs: 200, heartbeatMs: 0, reconcilePeriodMs: 0 });
    const s = session;
    await s.recovered;
    await until('the switch armed', () => s.engine.execution.deadMan?.().state === 'armed');
    expect(fake.admin.state().connections.filter((c) => c.cancelOnDisconnect)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 400));
    for (let i = 0; i < 12; i++) {
      const px = 50_000 + i * 100;
      fake.admin.pushBar({ instId: 'BTC_USDC-PERPETUAL', ts: t0 + i * 60_000, open: px, high: px, low: px, close: px, volume: 10 });
      await new Promise((r) => setTimeout(r, 120));
    }
    await until('a position', () => s.engine.portfolio.position(PERP).qty > 0, 8000);
    // Every order went over the order connection (a websocket), none over REST.
    expect(fake.admin.state().orders.every((o) => o.connection !== null)).toBe(true);
    // Funding on the position as it stands once the strategy is done with the bars (under load it
    // may still be acting on the last ones): the expected payment is the position's at funding time.
    await until('nothing working', () => s.engine.orders.openCount() === 0, 8000);
    await until('the books agree on the position', () => Math.abs(s.engine.portfolio.position(PERP).qty - (fake!.admin.state().positions.find((p) => p.instrument === 'BTC_USDC-PERPETUAL')?.size ?? 0)) < 1e-9, 8000);
    const venuePos = fake.admin.state().positions.find((p) => p.instrument === 'BTC_USDC-PERPETUAL')!;
    fake.admin.fundNow('BTC_USDC-PERPETUAL', 0.0001);
    await until('funding booked', () => s.engine.portfolio.account().funding !== 0);
    await new Promise((r) => setTimeout(r, 400));
    expect(s.engine.portfolio.account().funding).toBeCloseTo(-venuePos.size * 51_100 * 0.0001, 6);
    const rec = await s.reconciler.reconcileNow('on-demand');
    expect(rec.diffs).toEqual([]);
    expect(s.engine.portfolio.position(PERP).qty).toBeCloseTo(venuePos.size, 9);
  }, 20_000);

  it('refuses keys the venue refuses, saying which settings to check and never the secret', async () => {
    fake = await startDeribitFake({ port: 0, speed: 0 });
    const config = ConfigSchema.parse({ deribit: { symbols: [PERP] } });
    const err = await startCcxt(DERIBIT_PROFILE, config, [], { live: false, env: envOf(fake, 'wrong-SECRET-77'), stateDir: mkdtempSync(join(tmpdir(), 'parity-deribit-keys-')) }).then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/DERIBIT_API_KEY/);
    expect(err?.message).not.toContain('wrong-SECRET-77');
  });

  it('--live needs the account\'s user id typed: a wrong one refuses before anything is traded, the right one starts', async () => {
    fake = await startDeribitFake({ port: 0, speed: 0, testnet: false, userId: 4571882 });
    const dir = mkdtempSync(join(tmpdir(), 'parity-deribit-live-'));
    const config = ConfigSchema.parse({ deribit: { symbols: [PERP], deadMan: { enabled: false } }, run: { sessionsDir: join(dir, 'sessions') } });
    const wrong = await startCcxt(DERIBIT_PROFILE, config, [], { live: true, confirmAccount: '4571883', env: envOf(fake), stateDir: join(dir, 'state') }).then(() => null, (e: unknown) => e as Error);
    expect(wrong?.message).toMatch(/refusing to trade real money.*user id/);
    expect(fake.admin.state().orders).toHaveLength(0);
    let named = '';
    session = await startCcxt(DERIBIT_PROFILE, config, [], { live: true, confirmAccount: '4571882', env: envOf(fake), stateDir: join(dir, 'state'), heartbeatMs: 0, onAccount: (v, a) => { named = `${v} ${a.accountId} ${a.live}`; } });
    expect(named).toBe('deribit-live 4571882 true');
  });
});
