/**
 * The ccxt adapter driving the real ccxt.pro.binance against the Binance fake on 127.0.0.1,
 * assembled as a session assembles it (openCcxtClient: order, ledger and dead-man instances from
 * the profile): order, fill, cancel, replace in place under our newClientOrderId; spot's fills
 * from spot's own stream; a dropped
 * user-data socket with a fill in the gap (booked once: REST trades carry only Binance's order id);
 * funding booked as an account entry on the perpetual (the USDT income row, not the spot pair of
 * the same symbol); countdownCancelAll armed per symbol and firing when the console dies (our
 * orders gone at the venue); the account as the sum of the spot and USD-M wallets with cash apart
 * from open P&L; and a session's reconciliation clean against the venue.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/config/schema.ts';
import { startCcxt, type CcxtSession } from '../../../src/modes/ccxt.ts';
import type { AccountEntry, ExecutionReport } from '../../../src/ports/index.ts';
import { startBinanceFake, type BinanceFake } from '../../../src/venue-server/binance/index.ts';
import { openCcxtClient, type CcxtClient } from '../../../src/venues/ccxt/client.ts';
import { BINANCE_PROFILE } from '../../../src/venues/ccxt/profile-binance.ts';

const T0 = Date.now();
const PERP = 'BTC/USDT:USDT';
const SPOT = 'BTC/USDT';
const bar = (instId: string, px: number, lo = px, hi = px) => ({ instId, open: px, high: hi, low: lo, close: px, volume: 1000 });

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Rig { fake: BinanceFake; client: CcxtClient; reports: ExecutionReport[]; entries: AccountEntry[]; said: string[] }
const open: { fakes: BinanceFake[]; clients: CcxtClient[]; sessions: CcxtSession[] } = { fakes: [], clients: [], sessions: [] };

afterEach(async () => {
  for (const s of open.sessions.splice(0)) {
    s.engine.stop();
    await s.engine.execution.disconnect();
    await s.done.catch(() => undefined);
  }
  for (const c of open.clients.splice(0)) await c.execution.disconnect();
  for (const f of open.fakes.splice(0)) await f.close();
});

async function rig(o: { deadMan?: boolean; symbols?: string[] } = {}): Promise<Rig> {
  const fake = await startBinanceFake({ port: 0, startTime: T0, speed: 0 });
  open.fakes.push(fake);
  fake.admin.pushBar(bar('BTCUSDT', 50_000));
  fake.admin.pushBar(bar('BTCUSDT@spot', 50_000));
  const said: string[] = [];
  const client = await openCcxtClient(BINANCE_PROFILE, { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: null, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl }, {
    symbols: o.symbols ?? [PERP, SPOT], terms: () => ({ leverage: 3, marginMode: 'cross' }),
    deadMan: { enabled: o.deadMan === true, timeoutSec: 10, refreshSec: 60 }, enableRateLimit: false,
    say: (level, m) => said.push(`${level} ${m}`), tuning: { reconnectInitialMs: 20, billsPollMs: 0, heartbeatMs: 0 },
  });
  open.clients.push(client);
  const reports: ExecutionReport[] = [];
  const entries: AccountEntry[] = [];
  said.length = 0;
  await client.execution.connect((r) => reports.push(r), undefined, (e) => entries.push(e));
  await client.deadMan?.start();
  // ccxt makes the listen key and opens the user-data socket on the first watch.
  await new Promise((r) => setTimeout(r, 200));
  return { fake, client, reports, entries, said };
}

const limit = (cid: string, side: 'buy' | 'sell', qty: number, limitPrice: number, symbol = PERP) => ({ clientOrderId: cid, ts: Date.now(), request: { symbol, side, qty, type: 'limit' as const, limitPrice } });
const market = (cid: string, side: 'buy' | 'sell', qty: number) => ({ clientOrderId: cid, ts: Date.now(), request: { symbol: PERP, side, qty, type: 'market' as const } });
const said = (r: Rig) => r.said.filter((m) => !m.startsWith('info'));
const venueOrder = (r: Rig, cid: string) => r.fake.admin.state().orders.find((o) => o.clientOrderId === cid);

describe('ccxt adapter on the Binance fake', () => {
  it('places under our newClientOrderId, fills once from the stream, modifies in place, cancels', async () => {
    const r = await rig();
    const exec = r.client.execution;
    exec.submit(limit('k3f9x2.bnb:01', 'buy', 0.02, 49_900));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    expect(venueOrder(r, 'k3f9x2.bnb:01')).toMatchObject({ market: 'usdm', symbol: 'BTCUSDT', status: 'NEW' });
    r.fake.admin.pushBar(bar('BTCUSDT', 49_950, 49_800, 50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    await new Promise((res) => setTimeout(res, 200));
    await exec.idle();
    const fills = r.reports.filter((x) => x.kind === 'fill');
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ clientOrderId: 'k3f9x2.bnb:01', qty: 0.02, price: 49_900 });
    // 2 bps of 0.02 x 49,900, paid (a resting order filled as maker).
    expect((fills[0] as { fee: number }).fee).toBeCloseTo(0.1996, 8);

    exec.submit(limit('k3f9x2.bnb:02', 'buy', 0.01, 40_000));
    await until('second accepted', () => r.reports.some((x) => x.kind === 'accepted' && x.clientOrderId === 'k3f9x2.bnb:02'));
    exec.replace('k3f9x2.bnb:02', { qty: 0.03, limitPrice: 41_000 }, Date.now());
    await until('replaced', () => r.reports.some((x) => x.kind === 'replaced'));
    expect(r.reports.find((x) => x.kind === 'replaced')).toMatchObject({ clientOrderId: 'k3f9x2.bnb:02', qty: 0.03, limitPrice: 41_000 });
    const st = r.fake.admin.state().orders.filter((o) => o.clientOrderId === 'k3f9x2.bnb:02');
    expect(st).toHaveLength(1);
    expect(st[0]!.origQty).toBe('0.03');
    exec.cancel('k3f9x2.bnb:02', Date.now());
    await until('canceled', () => r.reports.some((x) => x.kind === 'canceled'));
    await exec.idle();
    expect(r.reports.filter((x) => x.kind === 'canceled')).toHaveLength(1);
    expect(venueOrder(r, 'k3f9x2.bnb:02')?.status).toBe('CANCELED');
    // Reduce-only on spot is refused before anything is sent.
    exec.submit({ clientOrderId: 'k3f9x2.bnb:03', ts: Date.now(), request: { symbol: SPOT, side: 'sell', qty: 0.001, type: 'market', reduceOnly: true } });
    await until('refused', () => r.reports.some((x) => x.kind === 'rejected'));
    expect(r.reports.find((x) => x.kind === 'rejected')).toMatchObject({ reason: expect.stringMatching(/spot: reduce-only/) });
    expect(said(r)).toEqual([]);
  });

  it('spot has its own user-data stream (the WS-API): a spot fill is reported from it, the USD-M wallet untouched', async () => {
    const r = await rig();
    const exec = r.client.execution;
    exec.submit(limit('k3f9x2bnb10', 'buy', 0.002, 49_900, SPOT));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    expect(venueOrder(r, 'k3f9x2bnb10')).toMatchObject({ market: 'spot', status: 'NEW' });
    r.fake.admin.pushBar(bar('BTCUSDT@spot', 49_950, 49_800, 50_000));
    // No REST poll runs (both streams are watched): the fill can only come from spot's stream.
    await until('spot fill', () => r.reports.some((x) => x.kind === 'fill'));
    await exec.idle();
    expect(r.reports.filter((x) => x.kind === 'fill')).toEqual([expect.objectContaining({ clientOrderId: 'k3f9x2bnb10', qty: 0.002, price: 49_900 })]);
    expect((r.reports.find((x) => x.kind === 'fill') as { fee: number }).fee).toBeCloseTo(0.002 * 49_900 * 0.0002, 9);
    expect(r.fake.admin.state().cash).toBe(100_000);
    expect(said(r)).toEqual([]);
  });

  it('after a dropped user-data socket, resubscribes and books the fill made in the gap once', async () => {
    const r = await rig();
    const exec = r.client.execution;
    exec.submit(limit('k3f9x2bnb04', 'buy', 0.01, 49_000));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.inject({ dropPrivate: true });
    r.fake.admin.pushBar(bar('BTCUSDT', 48_900, 48_800, 49_100));
    await until('gap fill', () => r.reports.some((x) => x.kind === 'fill'), 8000);
    await exec.idle();
    exec.submit(limit('k3f9x2bnb05', 'buy', 0.01, 48_000));
    await until('accepted again', () => r.reports.some((x) => x.kind === 'accepted' && x.clientOrderId === 'k3f9x2bnb05'));
    r.fake.admin.pushBar(bar('BTCUSDT', 47_900, 47_800, 48_100));
    await until('second fill', () => r.reports.filter((x) => x.kind === 'fill').length >= 2, 8000);
    await new Promise((res) => setTimeout(res, 200));
    await exec.recover('test: ask REST again');
    const fills = r.reports.filter((x) => x.kind === 'fill');
    expect(fills.map((f) => f.clientOrderId)).toEqual(['k3f9x2bnb04', 'k3f9x2bnb05']);
  });

  it('books funding from the USD-M income as an account entry on the perpetual, each row once', async () => {
    const r = await rig();
    const exec = r.client.execution;
    exec.submit(market('k3f9x2bnb06', 'buy', 0.02));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.pushBar(bar('BTCUSDT', 50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    await exec.idle();
    const ids = r.fake.admin.fundNow('BTCUSDT', 0.0001);
    expect(ids).toHaveLength(1);
    await exec.pullEntries();
    await exec.pullEntries();
    expect(said(r)).toEqual([]);
    const funding = r.entries.filter((e) => e.kind === 'funding');
    expect(funding).toHaveLength(1);
    // 0.02 BTC x 50,000 x 0.0001: a long pays 0.1 USDT, on the perpetual (BTCUSDT is the spot pair's name too).
    expect(funding[0]).toMatchObject({ entryId: ids[0], kind: 'funding', symbol: PERP, currency: 'USDT' });
    expect(funding[0]!.amount).toBeCloseTo(-0.1, 9);
    // The trade's commission and realized P&L are ours (the fill booked them).
    expect(r.entries.filter((e) => e.kind !== 'funding')).toEqual([]);
  });

  it('the account: the spot wallet plus the USD-M wallet, cash without the open P&L, equity with it', async () => {
    const r = await rig();
    const exec = r.client.execution;
    exec.submit(market('k3f9x2bnb07', 'buy', 0.1));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.pushBar(bar('BTCUSDT', 50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    r.fake.admin.pushBar(bar('BTCUSDT', 51_000));
    const acct = await exec.queries!.account();
    // Taker 5 bps of 5,000 = 2.5 paid from the USD-M wallet; the spot wallet untouched.
    expect(acct.cash['USDT']).toBeCloseTo(200_000 - 2.5, 6);
    // Open P&L +100 counts in equity only.
    expect(acct.equity).toBeCloseTo(200_000 - 2.5 + 100, 6);
    expect(acct.accountId).toBe('100000001');
  });

  it('countdownCancelAll: armed on the perpetual (spot has none); when the console dies and the countdown lapses, our orders are gone at the venue', async () => {
    const r = await rig({ deadMan: true });
    const exec = r.client.execution;
    expect(r.client.deadMan!.view()).toMatchObject({ state: 'armed', timeoutMs: 10_000 });
    expect(r.fake.admin.state().deadMan.map((d) => d.symbol)).toEqual(['BTCUSDT']);
    exec.submit(limit('k3f9x2bnb08', 'buy', 0.01, 40_000));
    exec.submit(limit('k3f9x2bnb09', 'sell', 0.01, 60_000));
    await until('accepted', () => r.reports.filter((x) => x.kind === 'accepted').length === 2);
    // The console dies: nothing refreshes the countdown, and its last words (the disarm at
    // disconnect) never reach the venue.
    await r.client.deadMan!.stop(false);
    r.fake.admin.inject({ serverError: 20 });
    await r.client.execution.disconnect();
    open.clients.splice(open.clients.indexOf(r.client), 1);
    r.fake.admin.advance(9_000);
    expect(venueOrder(r, 'k3f9x2bnb08')?.status).toBe('NEW');
    r.fake.admin.advance(1_500);
    expect(venueOrder(r, 'k3f9x2bnb08')?.status).toBe('CANCELED');
    expect(venueOrder(r, 'k3f9x2bnb09')?.status).toBe('CANCELED');
    expect(r.fake.admin.state().deadMan).toEqual([]);
  });
});

describe('a Binance session', () => {
  it('trades through ccxt, and the reconciliation against the venue is clean', async () => {
    const t0 = Date.now() - 3_600_000;
    const fake = await startBinanceFake({ port: 0, speed: 0, startTime: t0 });
    open.fakes.push(fake);
    const dir = mkdtempSync(join(tmpdir(), 'parity-binance-session-'));
    const config = ConfigSchema.parse({
      strategy: { file: join(import.meta.dirname, '../../../strategies/perp-trend.ts'), typecheck: false, params: { fast: 2, slow: 4, exposure: 0.5 } },
      run: { sessionsDir: join(dir, 'sessions') },
      binance: { symbols: [PERP], deadMan: { enabled: false } },
    });
    const env = { BINANCE_API_KEY: fake.credentials.apiKey, BINANCE_SECRET: fake.credentials.secret, BINANCE_BASE_URL: fake.restUrl, BINANCE_WS_URL: fake.wsUrl };
    const s = await startCcxt(BINANCE_PROFILE, config, [], { live: false, env, stateDir: join(dir, 'state'), billsPollMs: 200, heartbeatMs: 0, reconcilePeriodMs: 0 });
    open.sessions.push(s);
    await s.recovered;
    await new Promise((r) => setTimeout(r, 400));
    for (let i = 0; i < 12; i++) {
      const px = 50_000 + i * 100;
      fake.admin.pushBar({ instId: 'BTCUSDT', ts: t0 + i * 60_000, open: px, high: px, low: px, close: px, volume: 10 });
      await new Promise((r) => setTimeout(r, 120));
    }
    await until('a position', () => s.engine.portfolio.position(PERP).qty > 0, 8000);
    fake.admin.fundNow('BTCUSDT', 0.0001);
    await until('funding booked', () => s.engine.portfolio.account().funding !== 0);
    await new Promise((r) => setTimeout(r, 400));
    const rec = await s.reconciler.reconcileNow('on-demand');
    expect(rec.diffs).toEqual([]);
    const venuePos = fake.admin.state().positions.find((p) => p.symbol === 'BTCUSDT')!;
    expect(s.engine.portfolio.position(PERP).qty).toBeCloseTo(venuePos.positionAmt, 9);
  }, 20_000);
});
