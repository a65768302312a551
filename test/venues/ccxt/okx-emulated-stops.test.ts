/**
 * Stops on OKX, which takes only market and limit orders: parity holds them (venues/emulated-stops.ts)
 * in front of the real ccxt adapter trading the OKX fake, on the real engine with a durable store.
 *
 * - a reduce-only stop is accepted locally and nothing reaches the venue; the market crossing it
 *   sends ONE market order under the same client order id (reduce-only kept); its fill closes the
 *   position;
 * - crash before the trigger -> restart: re-armed from the journal, fires once; crash after the
 *   trigger (the market order at the venue) -> restart: found at the venue by client id, never sent
 *   again;
 * - the kill switch's cancel-all and flatten cancel held stops; a replace moves the stop locally
 *   after the engine's admission (a replace admission refuses changes nothing);
 * - under a pause a reduce-only stop still fires; one that may add exposure waits for the resume;
 * - the whole OKX session (modes/ccxt.ts) takes the strategy's stop and says `stop: 'emulated'`.
 * The engine's bars are dated an hour before the fake's clock, so the venue's own reports are never
 * older than the engine's (live, engine time lags the venue's: bars are stamped with their start).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';
import { CcxtExecution, OKX_PROFILE, createExchange, instrumentsFromMarkets, marketRefusal } from '../../../src/venues/ccxt/index.ts';
import { EmulatedStops } from '../../../src/venues/emulated-stops.ts';
import { InstrumentRegistry } from '../../../src/domain/instrument-registry.ts';
import type { Bar } from '../../../src/domain/market.ts';
import type { OrderRequest } from '../../../src/domain/order.ts';
import type { SubmitCommand } from '../../../src/ports/index.ts';
import { DEFAULT_ACCOUNT } from '../../../src/portfolio/portfolio.ts';
import { Store } from '../../../src/journal/store.ts';
import { makeDurable, type Durable } from '../../../src/journal/durable.ts';
import { TradingGuard } from '../../../src/ops/trading-guard.ts';
import { KillSwitch } from '../../../src/ops/kill-switch.ts';
import { KillStateStore } from '../../../src/ops/kill-state.ts';
import { ReconcileService } from '../../../src/ops/reconcile.ts';
import type { RiskLimits } from '../../../src/risk/limits.ts';
import { SimVenue } from '../../../src/venues/sim/sim-venue.ts';
import { ConfigSchema } from '../../../src/config/schema.ts';
import { startCcxt, type CcxtSession } from '../../../src/modes/ccxt.ts';
import { ACCOUNT as SIM_ACCOUNT, INSTRUMENTS as SIM_INSTRUMENTS, bar as simBar, start, type Harness } from '../../orders/helpers.ts';

const SWAP = 'BTC/USDT:USDT';
const INST = 'BTC-USDT-SWAP';
const MIN = 60_000;
const VENUE_T0 = Date.now();
/** The engine's bars: an hour behind the venue's clock. */
const ENGINE_T0 = Math.floor(VENUE_T0 / MIN) * MIN - 60 * MIN;
const ACCOUNT = { ...DEFAULT_ACCOUNT, currency: 'USDT', cash: 100_000 };

async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const engineBar = (k: number, open: number, low = open, high = open, close = open): Bar =>
  ({ kind: 'bar', symbol: SWAP, ts: ENGINE_T0 + k * MIN, open, high, low, close, volume: 1000 });
const venueBar = (f: OkxFake, px: number, lo = px, hi = px) => f.admin.pushBar({ instId: INST, open: px, high: hi, low: lo, close: px, volume: 1000 });

interface Life {
  readonly h: Harness;
  readonly stops: EmulatedStops;
  readonly exec: CcxtExecution;
  readonly store: Store;
  readonly durable: Durable;
  /** What reached the ccxt adapter's submit (the venue's door). */
  readonly sent: SubmitCommand[];
  readonly guard: TradingGuard;
  kill: KillSwitch | null;
}

const lives: Life[] = [];
let fake: OkxFake | null = null;

afterEach(async () => {
  for (const l of lives.splice(0)) {
    await l.h.finish().catch(() => undefined);
    await l.exec.disconnect().catch(() => undefined);
    try { l.store.close(); } catch { /* abandoned (crashed) */ }
  }
  await fake?.close();
  fake = null;
});

async function life(f: OkxFake, dir: string, o: { limits?: RiskLimits; dropSubmits?: boolean } = {}): Promise<Life> {
  const settings = { apiKey: f.credentials.apiKey, secret: f.credentials.secret, password: f.credentials.passphrase, live: false, restUrl: f.restUrl, wsUrl: f.wsUrl };
  const ex = await createExchange(OKX_PROFILE, settings, { enableRateLimit: false });
  await ex.loadMarkets();
  const instruments = new InstrumentRegistry(instrumentsFromMarkets(ex, 'okx', [SWAP], () => ({ leverage: 3, marginMode: 'cross' })));
  const exec = new CcxtExecution({
    profile: OKX_PROFILE, exchange: ex, instruments, symbols: [SWAP], live: false, reconnectInitialMs: 20, reconnectMaxMs: 100, billsPollMs: 0, heartbeatMs: 0, deadMan: null,
  });
  const sent: SubmitCommand[] = [];
  const submit = exec.submit.bind(exec);
  // dropSubmits: the process dies between deciding a send and the request leaving (nothing reaches the venue).
  exec.submit = (cmd) => { sent.push(cmd); if (o.dropSubmits !== true) submit(cmd); };
  const stops = new EmulatedStops(exec, { refusal: (r) => marketRefusal(OKX_PROFILE, r) });
  const { store } = Store.open({ dir, venue: 'okx', account: 'test' });
  const durable = makeDurable(store, { strategy: 'test', venue: stops });
  const guard = new TradingGuard();
  const h = await start(stops, {}, {
    instruments, account: ACCOUNT, clientIds: durable.clientIds, startup: durable.startup,
    observers: [...durable.observers, stops, guard], ...(o.limits !== undefined ? { limits: o.limits } : {}),
  });
  // ccxt subscribes on the first watch: give the private socket a moment to log in.
  await new Promise((r) => setTimeout(r, 150));
  const l: Life = { h, stops, exec, store, durable, sent, guard, kill: null };
  lives.push(l);
  return l;
}

/** kill -9: no clean stop, no snapshot; only what was journaled survives (the venue lives on). */
async function crash(l: Life): Promise<void> {
  l.store.abandon();
  lives.splice(lives.indexOf(l), 1);
  await l.h.finish().catch(() => undefined);
  await l.exec.disconnect().catch(() => undefined);
}

async function engineSees(l: Life, b: Bar): Promise<void> {
  l.h.market(b);
  await l.h.step();
}

/** Long `qty` contracts through the venue (a market buy, filled on the venue's next bar). */
async function goLong(f: OkxFake, l: Life, qty: number): Promise<void> {
  await engineSees(l, engineBar(0, 50_000));
  let id = '';
  await l.h.step(() => { id = l.h.engine.submit({ symbol: SWAP, side: 'buy', type: 'market', qty }); });
  await until('the entry at the venue', () => f.admin.state().orders.some((x) => x.clOrdId === id));
  venueBar(f, 50_000);
  await until('the entry filled', () => l.h.engine.portfolio.qty(SWAP) === qty);
}

const stopLoss = (qty: number, stopPrice: number): OrderRequest => ({ symbol: SWAP, side: 'sell', type: 'stop', stopPrice, qty, reduceOnly: true });
const atVenue = (f: OkxFake, id: string) => f.admin.state().orders.filter((x) => x.clOrdId === id);

async function submitStop(l: Life, req: OrderRequest): Promise<string> {
  let id = '';
  await l.h.step(() => { id = l.h.engine.submit(req); });
  await l.h.step();
  return id;
}

describe('stops parity holds for OKX', () => {
  it('a reduce-only stop is accepted locally and not sent; the market crossing it sends one market order under its id, whose fill closes the position', async () => {
    fake = await startOkxFake({ port: 0, startTime: VENUE_T0, speed: 0 });
    venueBar(fake, 50_000);
    const l = await life(fake, mkdtempSync(join(tmpdir(), 'parity-emstop-')));
    expect(l.stops.capabilities).toMatchObject({ stop: 'emulated' });
    expect(l.stops.capabilities.orderTypes).toContain('stop');
    await goLong(fake, l, 2);
    const sentBefore = l.sent.length;
    const id = await submitStop(l, stopLoss(2, 49_000));
    expect(l.h.engine.orders.get(id)).toMatchObject({ status: 'accepted', venueOrderId: `emulated:${id}` });
    expect(l.sent.length).toBe(sentBefore);
    expect(atVenue(fake, id)).toEqual([]);
    // The journal has the intent and its acceptance.
    expect(l.store.state.orders[id]).toMatchObject({ status: 'accepted', request: { type: 'stop', stopPrice: 49_000 } });
    // Reconciliation sees the held stop where the venue's orders are: no difference.
    expect((await new ReconcileService(l.h.engine).reconcileNow()).diffs).toEqual([]);

    await engineSees(l, engineBar(1, 49_500, 49_100)); // above the stop: nothing
    expect(atVenue(fake, id)).toEqual([]);
    await engineSees(l, engineBar(2, 49_200, 48_900)); // through it
    await until('the stop at the venue', () => atVenue(fake!, id).length === 1);
    expect(l.sent.filter((c) => c.clientOrderId === id).map((c) => c.request)).toEqual([{ symbol: SWAP, side: 'sell', type: 'market', qty: 2, reduceOnly: true }]);
    const v = await l.exec.queries.order(id);
    expect(v).toMatchObject({ request: { type: 'market', side: 'sell', qty: 2, reduceOnly: true } });
    // The decorator answers with the stop's own terms: recovery and reconciliation compare like with like.
    expect(await l.stops.queries!.order(id)).toMatchObject({ request: { type: 'stop', stopPrice: 49_000, qty: 2 } });
    venueBar(fake, 48_900);
    await until('flat', () => l.h.engine.portfolio.qty(SWAP) === 0);
    await until('filled', () => l.h.engine.orders.get(id)?.status === 'filled');
    expect(l.h.engine.orders.get(id)!.filledQty).toBe(2);
    expect(fake.admin.state().positions.find((p) => p.instId === INST)?.pos ?? 0).toBe(0);
    await engineSees(l, engineBar(3, 48_000, 47_000)); // through it again: nothing more
    await new Promise((r) => setTimeout(r, 200));
    expect(atVenue(fake, id)).toHaveLength(1);
    expect(l.sent.filter((c) => c.clientOrderId === id)).toHaveLength(1);
  }, 30_000);

  it('crash before the trigger: the restart re-arms the stop from the journal and it fires once', async () => {
    fake = await startOkxFake({ port: 0, startTime: VENUE_T0, speed: 0 });
    venueBar(fake, 50_000);
    const dir = mkdtempSync(join(tmpdir(), 'parity-emstop-'));
    const l1 = await life(fake, dir);
    await goLong(fake, l1, 2);
    const id = await submitStop(l1, stopLoss(2, 49_000));
    expect(l1.h.engine.orders.get(id)?.status).toBe('accepted');
    await crash(l1);

    const l2 = await life(fake, dir);
    expect(l2.durable.recovery).toMatchObject({ lost: [], resent: [], unknownAtVenue: [] });
    expect(l2.durable.recovery!.settled).toContain(id);
    expect(l2.h.engine.orders.get(id)).toMatchObject({ status: 'accepted', request: { type: 'stop', stopPrice: 49_000 } });
    expect([...l2.stops.heldStops().keys()]).toEqual([id]);
    expect(l2.sent).toEqual([]);
    expect(atVenue(fake, id)).toEqual([]);
    // Held stops are listed as working at the "venue" (reconciliation finds no difference).
    expect((await l2.stops.queries!.openOrders()).map((o) => o.clientOrderId)).toEqual([id]);

    await engineSees(l2, engineBar(5, 49_300, 48_950));
    await until('the stop at the venue', () => atVenue(fake!, id).length === 1);
    venueBar(fake, 48_950);
    await until('flat', () => l2.h.engine.portfolio.qty(SWAP) === 0);
    await engineSees(l2, engineBar(6, 48_500, 48_000));
    await new Promise((r) => setTimeout(r, 200));
    expect(l2.sent.map((c) => c.clientOrderId)).toEqual([id]);
    expect(atVenue(fake, id)).toHaveLength(1);
  }, 40_000);

  it('crash after the trigger (its market order at the venue): the restart finds it by client id and sends nothing again', async () => {
    fake = await startOkxFake({ port: 0, startTime: VENUE_T0, speed: 0 });
    venueBar(fake, 50_000);
    const dir = mkdtempSync(join(tmpdir(), 'parity-emstop-'));
    const l1 = await life(fake, dir);
    await goLong(fake, l1, 2);
    const id = await submitStop(l1, stopLoss(2, 49_000));
    await engineSees(l1, engineBar(2, 49_200, 48_900));
    await until('the stop at the venue', () => atVenue(fake!, id).length === 1);
    await crash(l1);
    venueBar(fake, 48_900); // fills while parity is down

    const l2 = await life(fake, dir);
    expect(l2.durable.recovery).toMatchObject({ lost: [], resent: [], unknownAtVenue: [] });
    expect(l2.durable.recovery!.settled).toContain(id);
    expect(l2.stops.heldStops().size).toBe(0);
    expect(l2.h.engine.orders.get(id)).toMatchObject({ status: 'filled', filledQty: 2, request: { type: 'stop', stopPrice: 49_000 } });
    expect(l2.h.engine.portfolio.qty(SWAP)).toBe(0);
    await engineSees(l2, engineBar(3, 48_500, 48_000));
    await new Promise((r) => setTimeout(r, 200));
    expect(l2.sent).toEqual([]);
    expect(atVenue(fake, id)).toHaveLength(1);
  }, 40_000);

  it('crash after the trigger but before its market order left: the restart re-arms it, and it fires once on the next event through it', async () => {
    fake = await startOkxFake({ port: 0, startTime: VENUE_T0, speed: 0 });
    venueBar(fake, 50_000);
    const dir = mkdtempSync(join(tmpdir(), 'parity-emstop-'));
    const l0 = await life(fake, dir);
    await goLong(fake, l0, 2);
    await crash(l0);
    const l1 = await life(fake, dir, { dropSubmits: true });
    const id = await submitStop(l1, stopLoss(2, 49_000));
    await engineSees(l1, engineBar(2, 49_200, 48_900));
    expect(l1.sent.map((c) => c.clientOrderId)).toEqual([id]); // decided, never left
    await crash(l1);

    const l2 = await life(fake, dir);
    expect(l2.durable.recovery).toMatchObject({ lost: [], resent: [], unknownAtVenue: [] });
    expect([...l2.stops.heldStops().keys()]).toEqual([id]);
    expect(atVenue(fake, id)).toEqual([]);
    await engineSees(l2, engineBar(3, 48_800, 48_700, 48_900)); // still through the stop: fires at once
    await until('the stop at the venue', () => atVenue(fake!, id).length === 1);
    venueBar(fake, 48_800);
    await until('flat', () => l2.h.engine.portfolio.qty(SWAP) === 0);
    expect(l2.sent.map((c) => c.clientOrderId)).toEqual([id]);
  }, 40_000);

  it('the kill switch\'s cancel-all and flatten cancel held stops; none fires afterwards', async () => {
    fake = await startOkxFake({ port: 0, startTime: VENUE_T0, speed: 0 });
    venueBar(fake, 50_000);
    const dir = mkdtempSync(join(tmpdir(), 'parity-emstop-'));
    const l = await life(fake, dir);
    const kill = new KillSwitch({ engine: l.h.engine, guard: l.guard, store: new KillStateStore(dir), confirmTimeoutMs: 8000 });
    l.h.engine.addObserver(kill);
    await goLong(fake, l, 2);
    const a = await submitStop(l, stopLoss(1, 49_000));
    const b = await submitStop(l, stopLoss(1, 48_000));
    expect(l.stops.heldStops().size).toBe(2);
    const c1 = await kill.cancelAll('test');
    expect(c1.ok).toBe(true);
    expect(l.h.engine.orders.get(a)?.status).toBe('canceled');
    expect(l.h.engine.orders.get(b)?.status).toBe('canceled');
    expect(l.stops.heldStops().size).toBe(0);
    expect(await l.stops.queries!.openOrders()).toEqual([]);
    await kill.resume('test');

    const c = await submitStop(l, stopLoss(2, 49_000));
    expect(l.stops.heldStops().size).toBe(1);
    const sentBefore = l.sent.length;
    const flat = kill.flatten('test');
    await until('the flatten order at the venue', () => l.sent.length > sentBefore);
    expect(l.h.engine.orders.get(c)?.status).toBe('canceled');
    venueBar(fake, 50_000);
    const res = await flat;
    expect(res.ok).toBe(true);
    expect(l.h.engine.portfolio.qty(SWAP)).toBe(0);
    await engineSees(l, engineBar(4, 48_000, 47_000));
    await new Promise((r) => setTimeout(r, 200));
    for (const id of [a, b, c]) expect(atVenue(fake, id)).toEqual([]);
    expect(l.sent.map((x) => x.clientOrderId)).not.toContain(c);
  }, 40_000);

  it('a replace moves the held stop locally after the engine\'s admission, which still refuses what it would refuse', async () => {
    fake = await startOkxFake({ port: 0, startTime: VENUE_T0, speed: 0 });
    venueBar(fake, 50_000);
    const l = await life(fake, mkdtempSync(join(tmpdir(), 'parity-emstop-')), { limits: { maxOrderQty: 2 } });
    await goLong(fake, l, 2);
    const id = await submitStop(l, stopLoss(1, 49_000));
    const plain = await submitStop(l, { symbol: SWAP, side: 'sell', type: 'stop', stopPrice: 45_000, qty: 1 });
    let refused: string | null = null;
    await l.h.step(() => { refused = l.h.engine.replace(id, { qty: 3 }); });
    expect(refused).toBe('reduce-only sell of 3 would not reduce the position of 2');
    await l.h.step(() => { refused = l.h.engine.replace(plain, { qty: 3 }); });
    expect(refused).toBe('quantity 3 exceeds the max order quantity 2');
    expect(l.stops.heldStops().get(id)).toMatchObject({ qty: 1, stopPrice: 49_000 });
    expect(l.stops.heldStops().get(plain)).toMatchObject({ qty: 1, stopPrice: 45_000 });
    let moved: string | null = 'not asked';
    await l.h.step(() => { moved = l.h.engine.replace(id, { stopPrice: 49_600 }); });
    await l.h.step();
    expect(moved).toBeNull();
    expect(l.h.engine.orders.get(id)).toMatchObject({ status: 'accepted', request: { stopPrice: 49_600, qty: 1 } });
    expect(l.stops.heldStops().get(id)).toMatchObject({ stopPrice: 49_600 });
    expect(l.store.state.orders[id]).toMatchObject({ request: { stopPrice: 49_600 } });
    expect(atVenue(fake, id)).toEqual([]);
    await engineSees(l, engineBar(2, 49_800, 49_500)); // through the new stop, not the old one
    await until('the moved stop at the venue', () => atVenue(fake!, id).length === 1);
    venueBar(fake, 49_500);
    await until('one contract closed', () => l.h.engine.portfolio.qty(SWAP) === 1);
  }, 30_000);

  it('under a pause a reduce-only stop still fires; a stop that may add exposure waits for the resume', async () => {
    fake = await startOkxFake({ port: 0, startTime: VENUE_T0, speed: 0 });
    venueBar(fake, 50_000);
    const l = await life(fake, mkdtempSync(join(tmpdir(), 'parity-emstop-')));
    await goLong(fake, l, 2);
    const exit = await submitStop(l, stopLoss(2, 49_000));
    const entry = await submitStop(l, { symbol: SWAP, side: 'buy', type: 'stop', stopPrice: 51_000, qty: 1 });
    await l.h.step(() => l.h.engine.hold('kill', 'paused', 'test pause'));
    await engineSees(l, engineBar(1, 51_200, 51_000, 51_300)); // through the buy stop: held
    await new Promise((r) => setTimeout(r, 200));
    expect(atVenue(fake, entry)).toEqual([]);
    expect(l.stops.heldStops().has(entry)).toBe(true);
    expect(l.h.logs.some((x) => x.source === 'stops' && /held/.test(x.message))).toBe(true);
    await engineSees(l, engineBar(2, 49_100, 48_900, 49_100)); // through the stop-loss: fires under the pause
    await until('the stop-loss at the venue', () => atVenue(fake!, exit).length === 1);
    expect(atVenue(fake, entry)).toEqual([]);
    await l.h.step(() => l.h.engine.release((k) => k === 'kill', 'test resume'));
    await engineSees(l, engineBar(3, 51_500, 51_400, 51_600)); // still above the buy stop: fires now
    await until('the entry stop at the venue', () => atVenue(fake!, entry).length === 1);
    expect(l.sent.filter((c) => c.clientOrderId === entry).map((c) => c.request)).toEqual([{ symbol: SWAP, side: 'buy', type: 'market', qty: 1 }]);
  }, 30_000);

  it('a stop on a venue with native stops (the simulator) goes to the venue, unchanged', async () => {
    const sim = new SimVenue({ instruments: SIM_INSTRUMENTS, account: SIM_ACCOUNT });
    const stops = new EmulatedStops(sim);
    expect(stops.capabilities).toBe(sim.capabilities);
    const h = await start(stops, {}, { observers: [stops] });
    h.market(simBar(0, 100));
    await h.step(() => { h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 }); });
    h.market(simBar(1, 100));
    await h.step();
    let id = '';
    await h.step(() => { id = h.engine.submit({ symbol: 'AAPL', side: 'sell', type: 'stop', stopPrice: 95, qty: 10, reduceOnly: true }); });
    expect(stops.heldStops().size).toBe(0);
    expect(sim.snapshot().orders.find((o) => o.clientOrderId === id)).toMatchObject({ request: { type: 'stop', stopPrice: 95 } });
    h.market(simBar(2, 96, 97, 94, 95));
    await h.step();
    expect(h.engine.orders.get(id)?.status).toBe('filled');
    await h.finish();
  });
});

describe('an OKX session (modes/ccxt.ts)', () => {
  let session: CcxtSession | undefined;
  afterEach(async () => {
    session?.engine.stop();
    await session?.engine.execution.disconnect();
    await session?.done.catch(() => undefined);
    session = undefined;
  });

  it('takes the strategy\'s reduce-only stop, holds it off the venue, and records `stop: emulated` in the capabilities', async () => {
    const t0 = Date.now() - 3_600_000;
    fake = await startOkxFake({ port: 0, speed: 0, startTime: t0 });
    const dir = mkdtempSync(join(tmpdir(), 'parity-emstop-session-'));
    const api = resolve(import.meta.dirname, '../../../src/api.ts');
    writeFileSync(join(dir, 'stop-loss.ts'), `import { defineStrategy, z } from '${api}';
export default defineStrategy({
  name: 'stop-loss', description: 'buys 2 on the bar closing at 50123, then a reduce-only stop 1000 below', params: z.object({}),
  create() { let bought = false; let stopped = false; return {
    onBar(bar, ctx) { if (!bought && bar.close === 50123) { bought = true; ctx.submit({ symbol: bar.symbol, side: 'buy', type: 'market', qty: 2 }); } },
    onFill(f, ctx) { if (!stopped && f.side === 'buy') { stopped = true; ctx.submit({ symbol: f.symbol, side: 'sell', type: 'stop', stopPrice: 49123, qty: 2, reduceOnly: true }); } },
  }; },
});
`);
    const config = ConfigSchema.parse({
      strategy: { file: join(dir, 'stop-loss.ts'), typecheck: false }, run: { sessionsDir: join(dir, 'sessions') },
      okx: { symbols: [SWAP], deadMan: { enabled: false } },
    });
    const env = { OKX_API_KEY: fake.credentials.apiKey, OKX_SECRET: fake.credentials.secret, OKX_PASSPHRASE: fake.credentials.passphrase, OKX_BASE_URL: fake.restUrl, OKX_WS_URL: fake.wsUrl };
    let warmed = false;
    session = await startCcxt(OKX_PROFILE, config, [{ onWarmup: () => { warmed = true; } }], { live: false, env, stateDir: join(dir, 'state'), billsPollMs: 0, heartbeatMs: 0, reconcilePeriodMs: 0 });
    await session.recovered;
    await until('the warm-up', () => warmed);
    await new Promise((r) => setTimeout(r, 400));
    const bar = (i: number, px: number, lo = px) => fake!.admin.pushBar({ instId: INST, ts: t0 + i * 60_000, open: px, high: px, low: lo, close: px, volume: 10 });
    bar(0, 50_123);
    await until('the entry', () => fake!.admin.state().orders.length === 1);
    bar(1, 50_000);
    await until('the position', () => session!.engine.portfolio.position(SWAP).qty === 2);
    await until('the stop', () => [...session!.engine.orders.openOrders()].some((o) => o.request.type === 'stop' && o.status === 'accepted'));
    expect(fake.admin.state().orders).toHaveLength(1);
    const header = JSON.parse(readFileSync(join(session.session.dir, 'events.jsonl'), 'utf8').split('\n')[0]!) as { capabilities: { stop?: unknown; orderTypes: string[] } };
    expect(header.capabilities).toMatchObject({ stop: 'emulated', orderTypes: ['market', 'limit', 'stop'] });
    bar(2, 49_500, 49_000); // the venue's feed carries it to the engine: through the stop
    await until('the stop at the venue', () => fake!.admin.state().orders.length === 2);
    bar(3, 49_000);
    await until('flat', () => session!.engine.portfolio.position(SWAP).qty === 0);
  }, 40_000);
});
