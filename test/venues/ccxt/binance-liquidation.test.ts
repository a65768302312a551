/**
 * A Binance liquidation through the ccxt adapter: the real ccxt.pro.binance against the Binance
 * fake, whose liquidation is Binance's forced order on our account (client id `autoclose-<n>`,
 * type LIQUIDATION; ORDER_TRADE_UPDATE x CALCULATED, which ccxt's watchMyTrades does not pass on:
 * the order stream tells it, userTrades holds the trade). The profile's venueTrades says which
 * foreign client-id prefixes are the venue's own trades: such a trade is ONE account entry of that
 * kind (its trade and minus its commission), booked once whether heard on the stream, over REST
 * after a gap, or both; its REALIZED_PNL and COMMISSION income rows are not booked again, and
 * INSURANCE_CLEAR (the clearance fee) is booked once as a fee. A session liquidated by the venue
 * ends flat, with cash that matches the venue's and a clean reconciliation.
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
import { OKX_PROFILE } from '../../../src/venues/ccxt/profiles.ts';
import { clientIdOf, fillOf, statusReportOf, venueKindOf, venueTradeOf } from '../../../src/venues/ccxt/translate.ts';
import { CcxtOrder, CcxtTrade } from '../../../src/venues/ccxt/wire.ts';

const T0 = Date.now();
const PERP = 'BTC/USDT:USDT';
const bar = (instId: string, px: number) => ({ instId, open: px, high: px, low: px, close: px, volume: 1000 });

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

async function rig(): Promise<Rig> {
  const fake = await startBinanceFake({ port: 0, startTime: T0, speed: 0, cash: 400 });
  open.fakes.push(fake);
  fake.admin.pushBar(bar('BTCUSDT', 50_000));
  const said: string[] = [];
  const client = await openCcxtClient(BINANCE_PROFILE, { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: null, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl }, {
    symbols: [PERP], terms: () => ({ leverage: 3, marginMode: 'cross' }),
    deadMan: { enabled: false, timeoutSec: 10, refreshSec: 60 }, enableRateLimit: false,
    say: (level, m) => said.push(`${level} ${m}`), tuning: { reconnectInitialMs: 20, billsPollMs: 0, heartbeatMs: 0 },
  });
  open.clients.push(client);
  const reports: ExecutionReport[] = [];
  const entries: AccountEntry[] = [];
  said.length = 0;
  await client.execution.connect((r) => reports.push(r), undefined, (e) => entries.push(e));
  await new Promise((r) => setTimeout(r, 200));
  return { fake, client, reports, entries, said };
}

const market = (cid: string, side: 'buy' | 'sell', qty: number) => ({ clientOrderId: cid, ts: Date.now(), request: { symbol: PERP, side, qty, type: 'market' as const } });
// The dropped socket's own warnings are expected; anything else said is a problem.
const said = (r: Rig) => r.said.filter((m) => !m.startsWith('info') && !/websocket: connection closed/.test(m));

/** A 0.02 BTC long at 50,000 on 400 USDT at 3x, then a bar at 30,000: far through its liquidation price. */
async function longThenCrash(r: Rig, beforeCrash?: () => void): Promise<void> {
  r.client.execution.submit(market('k3f9x2bnbL1', 'buy', 0.02));
  await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
  r.fake.admin.pushBar(bar('BTCUSDT', 50_000));
  await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
  await r.client.execution.idle();
  beforeCrash?.();
  r.fake.admin.pushBar(bar('BTCUSDT', 30_000));
}

function expectBookedOnce(r: Rig): void {
  const liq = r.entries.filter((e) => e.kind === 'liquidation');
  expect(liq).toHaveLength(1);
  const forced = r.fake.admin.state().orders.find((o) => o.clientOrderId.startsWith('autoclose-'))!;
  // The forced trade: 0.02 sold at 30,000; the cash apart from its P&L is minus its commission (taker 5 bps of 600).
  expect(liq[0]).toMatchObject({ kind: 'liquidation', symbol: PERP, currency: 'USDT', trade: { qty: -0.02, price: 30_000 } });
  expect(liq[0]!.amount).toBeCloseTo(-0.3, 9);
  expect(liq[0]!.entryId).toMatch(/\d/);
  expect(forced.status).toBe('FILLED');
  // INSURANCE_CLEAR: the clearance fee (0.5% of 600), once, as a fee; REALIZED_PNL and COMMISSION are the trade's, not booked again.
  const fees = r.entries.filter((e) => e.kind !== 'liquidation');
  expect(fees).toHaveLength(1);
  expect(fees[0]).toMatchObject({ kind: 'fee', symbol: PERP, currency: 'USDT' });
  expect(fees[0]!.amount).toBeCloseTo(-3, 8);
  // The venue's order is no fill of ours.
  expect(r.reports.filter((x) => x.kind === 'fill')).toHaveLength(1);
  expect(r.reports.filter((x) => x.clientOrderId.startsWith('autoclose-'))).toEqual([]);
  expect(said(r)).toEqual([]);
}

describe('the venue\'s own orders, by client-id prefix (profile venueTrades)', () => {
  it('autoclose- is a liquidation, adl_autoclose an ADL: no client id of ours, no status report, no fill; OKX has no such prefixes', () => {
    expect(venueKindOf(BINANCE_PROFILE, 'autoclose-1')).toBe('liquidation');
    expect(venueKindOf(BINANCE_PROFILE, 'adl_autoclose')).toBe('adl');
    expect(venueKindOf(BINANCE_PROFILE, 'k3f9x2bnbL1')).toBeNull();
    expect(venueKindOf(OKX_PROFILE, 'autoclose-1')).toBeNull();
    const order = CcxtOrder.parse({ id: '7', clientOrderId: 'autoclose-1', symbol: PERP, side: 'sell', amount: 0.02, filled: 0.02, status: 'closed', info: { clientOrderId: 'autoclose-1' } });
    expect(clientIdOf(BINANCE_PROFILE, order)).toBeNull();
    expect(statusReportOf(BINANCE_PROFILE, order)).toBeNull();
    expect(clientIdOf(OKX_PROFILE, { info: { clOrdId: 'autoclose1' } })).toBe('autoclose1');
  });

  it('its trade is one entry: signed quantity and price, minus its commission, the entry id from the trade id', () => {
    const base = { id: '990000001', order: '7', timestamp: 1_700_000_000_000, symbol: PERP, amount: 0.02, price: 30_000, takerOrMaker: 'taker', fee: { cost: 0.3, currency: 'USDT' } };
    const liq = CcxtTrade.parse({ ...base, side: 'sell', info: { clientOrderId: 'autoclose-1', commission: '0.3' } });
    expect(fillOf(BINANCE_PROFILE, liq)).toBeNull();
    expect(venueTradeOf(BINANCE_PROFILE, liq)).toEqual({ entryId: 'trade-990000001', kind: 'liquidation', symbol: PERP, currency: 'USDT', amount: -0.3, trade: { qty: -0.02, price: 30_000 }, ts: 1_700_000_000_000 });
    const adl = CcxtTrade.parse({ ...base, side: 'buy', info: { clientOrderId: 'adl_autoclose', commission: '0.3' } });
    expect(venueTradeOf(BINANCE_PROFILE, adl)).toMatchObject({ kind: 'adl', trade: { qty: 0.02, price: 30_000 } });
    expect(venueTradeOf(BINANCE_PROFILE, CcxtTrade.parse({ ...base, side: 'buy', info: { clientOrderId: 'k3f9x2bnbL1' } }))).toBeNull();
  });
});

describe('a Binance liquidation through the ccxt adapter', () => {
  it('the forced order heard on the stream is one liquidation entry; REST after a gap hears it again and books nothing more', async () => {
    const r = await rig();
    await longThenCrash(r);
    // No timer (billsPollMs 0): the order stream tells the forced order.
    await until('liquidation entry', () => r.entries.some((e) => e.kind === 'liquidation'), 5000);
    await r.client.execution.idle();
    await r.client.execution.pullEntries();
    // A dropped socket: the gap fill asks userTrades and the income again.
    r.fake.admin.inject({ dropPrivate: true });
    await new Promise((res) => setTimeout(res, 300));
    await r.client.execution.recover('test: ask REST again');
    await r.client.execution.pullEntries();
    expect(r.fake.admin.state().positions).toEqual([]);
    expectBookedOnce(r);
  });

  it('a forced order made while the user-data socket was down is found over REST after the gap (userTrades, the order by id), once', async () => {
    const r = await rig();
    await longThenCrash(r, () => r.fake.admin.inject({ dropPrivate: true }));
    await until('liquidation entry', () => r.entries.some((e) => e.kind === 'liquidation'), 8000);
    await r.client.execution.idle();
    await r.client.execution.recover('test: again');
    await r.client.execution.pullEntries();
    expectBookedOnce(r);
  });
});

describe('a Binance session liquidated by the venue', () => {
  it('ends flat, its cash moved by the P&L, the commission and the clearance fee once, and the reconciliation against the venue is clean', async () => {
    const t0 = Date.now() - 3_600_000;
    const fake = await startBinanceFake({ port: 0, speed: 0, startTime: t0 });
    open.fakes.push(fake);
    const dir = mkdtempSync(join(tmpdir(), 'parity-binance-liq-'));
    const config = ConfigSchema.parse({
      strategy: { file: join(import.meta.dirname, '../../../strategies/perp-trend.ts'), typecheck: false, params: { fast: 2, slow: 4, exposure: 0.9 } },
      run: { sessionsDir: join(dir, 'sessions') },
      binance: { symbols: [PERP], deadMan: { enabled: false } },
    });
    const booked: AccountEntry[] = [];
    const env = { BINANCE_API_KEY: fake.credentials.apiKey, BINANCE_SECRET: fake.credentials.secret, BINANCE_BASE_URL: fake.restUrl, BINANCE_WS_URL: fake.wsUrl };
    const s = await startCcxt(BINANCE_PROFILE, config, [{ onAccountEntry: (e) => booked.push(e) }], { live: false, env, stateDir: join(dir, 'state'), billsPollMs: 200, heartbeatMs: 0, reconcilePeriodMs: 0 });
    open.sessions.push(s);
    await s.recovered;
    await new Promise((r) => setTimeout(r, 400));
    let i = 0;
    const play = async (px: number): Promise<void> => {
      fake.admin.pushBar({ instId: 'BTCUSDT', ts: t0 + i++ * 60_000, open: px, high: px, low: px, close: px, volume: 10 });
      await new Promise((r) => setTimeout(r, 120));
    };
    for (let k = 0; k < 8; k++) await play(50_000 + k * 100);
    await until('a long', () => s.engine.portfolio.position(PERP).qty > 0, 8000);
    await play(51_000);
    const held = s.engine.portfolio.position(PERP).qty;
    expect(fake.admin.state().positions.find((p) => p.symbol === 'BTCUSDT')?.positionAmt).toBeCloseTo(held, 9);
    // Far through the liquidation price of 0.9 x 3 of equity long.
    await play(30_000);
    await until('the liquidation booked', () => booked.some((e) => e.kind === 'liquidation'), 8000);
    await until('the clearance fee booked', () => booked.some((e) => e.kind === 'fee'), 8000);
    await new Promise((r) => setTimeout(r, 400));
    const rec = await s.reconciler.reconcileNow('on-demand');
    expect(rec.diffs).toEqual([]);
    expect(fake.admin.state().positions).toEqual([]);
    expect(s.engine.portfolio.position(PERP).qty).toBe(0);
    expect(booked.filter((e) => e.kind === 'liquidation')).toHaveLength(1);
    expect(booked.filter((e) => e.kind === 'liquidation')[0]!.trade?.qty).toBeCloseTo(-held, 9);
    expect(booked.filter((e) => e.kind === 'fee')).toHaveLength(1);
    expect(s.engine.portfolio.account().cashByCurrency['USDT']).toBeCloseTo(fake.admin.state().cash, 6);
    expect(s.engine.portfolio.account().liquidations).toBe(1);
  }, 20_000);
});
