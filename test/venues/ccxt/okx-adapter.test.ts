/**
 * The ccxt adapter driving the real ccxt.pro.okx against the OKX fake on 127.0.0.1: order, fill,
 * cancel, replace; a dropped socket with a fill in the gap (booked once, from REST); funding booked
 * as an account entry; the dead-man switch firing after the console stops refreshing (our orders
 * gone at the venue); and a restarted adapter finding its orders by clOrdId.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Exchange } from 'ccxt';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';
import { CcxtExecution, DeadManSwitch, OKX_PROFILE, createExchange, instrumentsFromMarkets } from '../../../src/venues/ccxt/index.ts';
import { InstrumentRegistry } from '../../../src/domain/instrument-registry.ts';
import type { AccountEntry, ExecutionReport } from '../../../src/ports/index.ts';
import { WallScheduler } from '../../../src/ports/scheduler.ts';

const T0 = Date.now();
const SWAP = 'BTC/USDT:USDT';
const bar = (instId: string, px: number, lo = px, hi = px) => ({ instId, open: px, high: hi, low: lo, close: px, volume: 1000 });

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Rig { fake: OkxFake; exec: CcxtExecution; ex: Exchange; reports: ExecutionReport[]; entries: AccountEntry[]; problems: string[]; trail: string[] }
const open: { fake?: OkxFake; execs: CcxtExecution[] } = { execs: [] };

async function adapter(fake: OkxFake, o: { deadMan?: DeadManSwitch | null } = {}): Promise<Omit<Rig, 'fake'>> {
  const settings = { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: fake.credentials.passphrase, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl };
  const ex = await createExchange(OKX_PROFILE, settings, { enableRateLimit: false });
  await ex.loadMarkets();
  const symbols = [SWAP, 'BTC/USDT'];
  const instruments = new InstrumentRegistry(instrumentsFromMarkets(ex, 'okx', symbols, () => ({ leverage: 3, marginMode: 'cross' })));
  const problems: string[] = [];
  // Infos and reports in arrival order: which came first, the gap fill or the socket's return.
  const trail: string[] = [];
  const exec = new CcxtExecution({
    profile: OKX_PROFILE, exchange: ex, instruments, symbols, live: false, reconnectInitialMs: 20, reconnectMaxMs: 100, billsPollMs: 0, heartbeatMs: 0,
    deadMan: o.deadMan ?? null, onProblem: (p) => problems.push(`${p.name}: ${p.message}`), onInfo: (m) => trail.push(`info ${m}`),
  });
  const reports: ExecutionReport[] = [];
  const entries: AccountEntry[] = [];
  await exec.connect((r) => { reports.push(r); trail.push(`report ${r.kind} ${r.clientOrderId}`); }, undefined, (e) => entries.push(e));
  open.execs.push(exec);
  // ccxt subscribes on the first watch: give the private socket a moment to log in.
  await new Promise((r) => setTimeout(r, 150));
  return { exec, ex, reports, entries, problems, trail };
}

async function rig(o: { cash?: number } = {}): Promise<Rig> {
  const fake = await startOkxFake({ port: 0, startTime: T0, speed: 0, ...(o.cash !== undefined ? { cash: o.cash } : {}) });
  open.fake = fake;
  fake.admin.pushBar(bar('BTC-USDT-SWAP', 50_000));
  fake.admin.pushBar(bar('BTC-USDT', 50_000));
  return { fake, ...(await adapter(fake)) };
}

afterEach(async () => {
  for (const e of open.execs.splice(0)) await e.disconnect();
  await open.fake?.close();
  open.fake = undefined;
});

const sub = (cid: string, qty: number, limitPrice?: number) => ({
  clientOrderId: cid, ts: Date.now(),
  request: limitPrice === undefined ? { symbol: SWAP, side: 'buy' as const, qty, type: 'market' as const } : { symbol: SWAP, side: 'buy' as const, qty, type: 'limit' as const, limitPrice },
});

describe('ccxt adapter on the OKX fake', () => {
  it('places under our clOrdId, fills once from the stream, cancels, and amends in place', async () => {
    const r = await rig();
    r.exec.submit(sub('k3f9x2000001smacross', 2, 49_900));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    expect(r.fake.admin.state().orders.find((o) => o.clOrdId === 'k3f9x2000001smacross')).toMatchObject({ tag: 'parity', state: 'live' });
    r.fake.admin.pushBar(bar('BTC-USDT-SWAP', 49_950, 49_800, 50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    await new Promise((res) => setTimeout(res, 150));
    const fills = r.reports.filter((x) => x.kind === 'fill');
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ clientOrderId: 'k3f9x2000001smacross', qty: 2, price: 49_900, venueCumQty: 2 });

    r.exec.submit(sub('k3f9x2000002smacross', 1, 40_000));
    await until('second accepted', () => r.reports.some((x) => x.kind === 'accepted' && x.clientOrderId === 'k3f9x2000002smacross'));
    r.exec.replace('k3f9x2000002smacross', { qty: 3, limitPrice: 41_000 }, Date.now());
    await until('replaced', () => r.reports.some((x) => x.kind === 'replaced'));
    expect(r.reports.find((x) => x.kind === 'replaced')).toMatchObject({ clientOrderId: 'k3f9x2000002smacross', qty: 3, limitPrice: 41_000 });
    expect(r.fake.admin.state().orders.find((o) => o.clOrdId === 'k3f9x2000002smacross')).toMatchObject({ sz: '3' });
    r.exec.cancel('k3f9x2000002smacross', Date.now());
    await until('canceled', () => r.reports.some((x) => x.kind === 'canceled'));
    await r.exec.idle();
    expect(r.reports.filter((x) => x.kind === 'canceled')).toHaveLength(1);
    expect(r.problems).toEqual([]);
  });

  it('refuses what the market type cannot take before anything is sent (reduce-only on spot)', async () => {
    const r = await rig();
    r.exec.submit({ clientOrderId: 'k3f9x2000003smacross', ts: Date.now(), request: { symbol: 'BTC/USDT', side: 'sell', qty: 0.1, type: 'market', reduceOnly: true } });
    await until('rejected', () => r.reports.some((x) => x.kind === 'rejected'));
    expect(r.reports[0]).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/spot: reduce-only/) });
    expect(r.fake.admin.state().orders).toHaveLength(0);
  });

  it('after a dropped socket, resubscribes and books the fill made in the gap once, from REST', async () => {
    const r = await rig();
    r.exec.submit(sub('k3f9x2000004smacross', 1, 49_000));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.inject({ dropPrivate: true });
    r.fake.admin.pushBar(bar('BTC-USDT-SWAP', 48_900, 48_800, 49_100));
    await until('gap fill', () => r.reports.some((x) => x.kind === 'fill'), 8000);
    await r.exec.idle();
    expect(r.problems.some((p) => /websocket/.test(p))).toBe(true);
    // The fill came from the REST gap fill, before the resubscribed socket said anything.
    const gap = r.trail.findIndex((t) => /^info recovering after .*websocket closed/.test(t));
    const fill = r.trail.indexOf('report fill k3f9x2000004smacross');
    const back = r.trail.findIndex((t) => /^info .*websocket back/.test(t));
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(fill).toBeGreaterThan(gap);
    if (back >= 0) expect(back).toBeGreaterThan(fill);
    // The socket is back: a later fill arrives on it.
    r.exec.submit(sub('k3f9x2000005smacross', 1, 48_000));
    await until('accepted again', () => r.reports.some((x) => x.kind === 'accepted' && x.clientOrderId === 'k3f9x2000005smacross'));
    r.fake.admin.pushBar(bar('BTC-USDT-SWAP', 47_900, 47_800, 48_100));
    await until('second fill', () => r.reports.filter((x) => x.kind === 'fill').length >= 2, 8000);
    await new Promise((res) => setTimeout(res, 200));
    await r.exec.recover('test: ask REST again');
    const fills = r.reports.filter((x) => x.kind === 'fill');
    expect(fills.map((f) => f.clientOrderId)).toEqual(['k3f9x2000004smacross', 'k3f9x2000005smacross']);
  });

  it('books funding as an account entry through the entries sink and entriesSince, each bill once', async () => {
    const r = await rig();
    r.exec.submit(sub('k3f9x2000006smacross', 2));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.pushBar(bar('BTC-USDT-SWAP', 50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    await r.exec.idle();
    const ids = r.fake.admin.fundNow('BTC-USDT-SWAP', 0.0001);
    expect(ids).toHaveLength(1);
    await r.exec.pullEntries();
    await r.exec.pullEntries();
    expect(r.problems).toEqual([]);
    expect(r.entries).toHaveLength(1);
    const e = r.entries[0]!;
    // 2 contracts x 0.01 BTC x 50 000 x 0.0001: a long pays 0.1 USDT.
    expect(e).toMatchObject({ entryId: ids[0], kind: 'funding', symbol: SWAP, currency: 'USDT', markPrice: 50_000 });
    expect(e.amount).toBeCloseTo(-0.1, 9);
    const since = await r.exec.queries.entriesSince!(T0 - 60_000);
    expect(since.map((x) => x.entryId)).toEqual([ids[0]]);
  });

  it('a liquidation the venue makes is booked from its bill: the trade it made on our position and the fee apart from the P&L', async () => {
    // A small cross account: 1 000 USDT of notional at 3x on 400 USDT of cash.
    const r = await rig({ cash: 400 });
    r.exec.submit(sub('k3f9x2000008smacross', 2));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.pushBar(bar('BTC-USDT-SWAP', 50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    // A crash far through the liquidation price of a 3x long.
    r.fake.admin.pushBar(bar('BTC-USDT-SWAP', 30_000, 30_000, 30_000));
    // No timer (billsPollMs 0): the position update on the socket makes the adapter read the bill.
    await until('liquidation entry', () => r.entries.some((e) => e.kind === 'liquidation'), 5000);
    await r.exec.pullEntries();
    const liq = r.entries.filter((e) => e.kind === 'liquidation');
    expect(liq).toHaveLength(1);
    expect(liq[0]).toMatchObject({ symbol: SWAP, currency: 'USDT', trade: { qty: -2 } });
    expect(liq[0]!.amount).toBeLessThanOrEqual(0);
    expect(r.fake.admin.state().positions.filter((p) => p.pos !== 0)).toEqual([]);
    // No fill of ours came out of it: the venue's order carries no client id of ours.
    expect(r.reports.filter((x) => x.kind === 'fill')).toHaveLength(1);
  });

  it('the dead-man switch fires at the venue after the console stops refreshing: our tagged orders are gone; a restart finds them by clOrdId', async () => {
    const fake = await startOkxFake({ port: 0, startTime: T0, speed: 0 });
    open.fake = fake;
    fake.admin.pushBar(bar('BTC-USDT-SWAP', 50_000));
    const settings = { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: fake.credentials.passphrase, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl };
    const dmEx = await createExchange(OKX_PROFILE, settings, { enableRateLimit: false });
    const events: string[] = [];
    const dm = new DeadManSwitch({
      profile: OKX_PROFILE.deadMan!, timeoutSec: 60, refreshSec: 15, scheduler: new WallScheduler(),
      call: (ms) => dmEx.cancelAllOrdersAfter(ms, { tag: 'parity' }), onEvent: (_l, m) => events.push(m),
    });
    await dm.start();
    const a = await adapter(fake, { deadMan: dm });
    expect(a.exec.deadMan?.()).toMatchObject({ state: 'armed', timeoutMs: 60_000 });
    expect(fake.admin.state().deadMan).toEqual([{ tag: 'parity', triggerTime: expect.any(Number) }]);
    a.exec.submit(sub('k3f9x2000007smacross', 1, 40_000));
    await until('accepted', () => a.reports.some((x) => x.kind === 'accepted'));
    // Someone else's order on the account (no parity tag) is not ours to cancel.
    await dmEx.createOrder(SWAP, 'limit', 'buy', 1, 39_000, { clientOrderId: 'manual1', tag: 'desk' });

    // The console dies: no more refreshes, no orderly disarm. The venue's clock runs out.
    await dm.stop(false);
    await fake.admin.advance(61_000);
    const st = fake.admin.state().orders;
    expect(st.find((o) => o.clOrdId === 'k3f9x2000007smacross')?.state).toBe('canceled');
    expect(st.find((o) => o.clOrdId === 'manual1')?.state).toBe('live');

    // Our local view: the countdown passed with no refresh.
    dm.check(Date.now() + 61_000);
    expect(dm.view().state).toBe('fired');
    expect(events.some((m) => /FIRED/.test(m))).toBe(true);

    // A restarted adapter knows nothing in memory and finds the order by its client id.
    await a.exec.disconnect();
    const b = await adapter(fake);
    const found = await b.exec.queries.order('k3f9x2000007smacross');
    expect(found).toMatchObject({ clientOrderId: 'k3f9x2000007smacross', status: 'canceled', request: { symbol: SWAP, qty: 1, type: 'limit', limitPrice: 40_000 } });
    expect(await b.exec.queries.order('neverplaced1')).toBeNull();
    await dmEx.close();
  });
});
