/**
 * The ccxt adapter driving the real ccxt.pro.deribit (streams, REST questions) and parity's own
 * JSON-RPC order connection against the Deribit fake on 127.0.0.1: order, fill, cancel, replace
 * over the connection; a dropped stream socket with a fill in the gap booked once; funding booked
 * as an account entry from the transaction log; the order connection dropped => the venue cancels
 * the orders made on it and the switch says it fired; the venue's books answer as our reports say.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Exchange } from 'ccxt';
import { startDeribitFake, type DeribitFake } from '../../../src/venue-server/deribit/index.ts';
import { CcxtExecution, DeadManSwitch, createExchange, instrumentsFromMarkets } from '../../../src/venues/ccxt/index.ts';
import { armCallOf } from '../../../src/venues/ccxt/dead-man.ts';
import { DeribitConnection } from '../../../src/venues/ccxt/jsonrpc-connection.ts';
import { DERIBIT_PROFILE } from '../../../src/venues/ccxt/profile-deribit.ts';
import { marketTypeOf } from '../../../src/venues/ccxt/profiles.ts';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';
import { InstrumentRegistry } from '../../../src/domain/instrument-registry.ts';
import type { AccountEntry, ExecutionReport } from '../../../src/ports/index.ts';
import { WallScheduler } from '../../../src/ports/scheduler.ts';

const T0 = Date.now();
const SYM = 'BTC/USDC:USDC';
const INST = 'BTC_USDC-PERPETUAL';
const bar = (px: number, lo = px, hi = px) => ({ instId: INST, open: px, high: hi, low: lo, close: px, volume: 100 });

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Rig {
  fake: DeribitFake; exec: CcxtExecution; ex: Exchange; conn: DeribitConnection; dm: DeadManSwitch | null;
  reports: ExecutionReport[]; entries: AccountEntry[]; problems: string[]; trail: string[]; events: string[];
}
const open: { fake?: DeribitFake; execs: CcxtExecution[]; exes: Exchange[] } = { execs: [], exes: [] };

/** What client.ts assembles for a session, with short timings: the order, ledger and switch on their own instances. */
async function rig(o: { deadMan?: boolean } = {}): Promise<Rig> {
  const fake = await startDeribitFake({ port: 0, startTime: T0, speed: 0 });
  open.fake = fake;
  fake.admin.pushBar(bar(50_000));
  const settings = { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: null, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl };
  const ex = await createExchange(DERIBIT_PROFILE, settings, { enableRateLimit: false });
  await ex.loadMarkets();
  const ledgerEx = await createExchange(DERIBIT_PROFILE, settings, { enableRateLimit: false });
  ledgerEx.setMarkets(ex.markets);
  open.exes.push(ex, ledgerEx);
  const symbols = [SYM];
  const instruments = new InstrumentRegistry(instrumentsFromMarkets(ex, 'deribit', symbols, () => ({ leverage: 3, marginMode: 'cross' }), { amountsInBase: DERIBIT_PROFILE.amountsInBase === true }));
  // Deribit's market says contract_size 0.001, but amounts are BTC: one unit of qty is one BTC.
  expect(instruments.get(SYM)).toMatchObject({ multiplier: 1, lotSize: 0.001 });
  const conn = new DeribitConnection({ url: fake.wsUrl, apiKey: settings.apiKey, secret: settings.secret, exchange: ex });
  await conn.connect();
  const events: string[] = [];
  let dm: DeadManSwitch | null = null;
  if (o.deadMan === true) {
    const sw = new DeadManSwitch({
      profile: DERIBIT_PROFILE.deadMan!, timeoutSec: 60, refreshSec: 15, scheduler: new WallScheduler(),
      call: armCallOf(DERIBIT_PROFILE.deadMan!, ex, symbols, { tag: 'parity', marketTypeOf, connection: conn }), onEvent: (_l, m) => events.push(m),
    });
    conn.onClose((why) => sw.connectionLost(why));
    await sw.start();
    dm = sw;
  }
  const problems: string[] = [];
  const trail: string[] = [];
  const exec = new CcxtExecution({
    profile: DERIBIT_PROFILE, exchange: ex, ledgerExchange: ledgerEx, orderGateway: conn, alsoClose: [conn], instruments, symbols, live: false,
    reconnectInitialMs: 20, reconnectMaxMs: 100, billsPollMs: 0, heartbeatMs: 0, pollMs: 100,
    deadMan: dm, onProblem: (p) => problems.push(`${p.name}: ${p.message}`), onInfo: (m) => trail.push(`info ${m}`),
  });
  const reports: ExecutionReport[] = [];
  const entries: AccountEntry[] = [];
  await exec.connect((r) => { reports.push(r); trail.push(`report ${r.kind} ${r.clientOrderId}`); }, undefined, (e) => entries.push(e));
  open.execs.push(exec);
  // ccxt subscribes on the first watch: let its socket log in and subscribe.
  await until('subscribed', () => fake.admin.state().connections.some((c) => c.subscriptions >= 2));
  return { fake, exec, ex, conn, dm, reports, entries, problems, trail, events };
}

afterEach(async () => {
  for (const e of open.execs.splice(0)) await e.disconnect();
  for (const x of open.exes.splice(0)) await closeExchange(x);
  await open.fake?.close();
  open.fake = undefined;
});

const sub = (cid: string, qty: number, limitPrice?: number, side: 'buy' | 'sell' = 'buy') => ({
  clientOrderId: cid, ts: Date.now(),
  request: limitPrice === undefined ? { symbol: SYM, side, qty, type: 'market' as const } : { symbol: SYM, side, qty, type: 'limit' as const, limitPrice },
});

describe('ccxt adapter on the Deribit fake', () => {
  it('places over the order connection under our label, fills once from the stream, amends in place and cancels; the books agree', async () => {
    const r = await rig();
    r.exec.submit(sub('k3f9x2000001smacross', 0.02, 49_900));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    const placed = r.fake.admin.state().orders.find((o) => o.label === 'k3f9x2000001smacross');
    // Placed on a websocket connection (the order connection), not over REST.
    expect(placed).toMatchObject({ state: 'open', connection: expect.any(String) });
    r.fake.admin.pushBar(bar(49_950, 49_800, 50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    await new Promise((res) => setTimeout(res, 150));
    const fills = r.reports.filter((x) => x.kind === 'fill');
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ clientOrderId: 'k3f9x2000001smacross', qty: 0.02, price: 49_900, liquidity: 'maker' });
    expect((fills[0] as { fee: number }).fee).toBeCloseTo(0.02 * 49_900 * 0.0002, 9);

    r.exec.submit(sub('k3f9x2000002smacross', 0.01, 40_000));
    await until('second accepted', () => r.reports.some((x) => x.kind === 'accepted' && x.clientOrderId === 'k3f9x2000002smacross'));
    r.exec.replace('k3f9x2000002smacross', { qty: 0.03, limitPrice: 41_000 }, Date.now());
    await until('replaced', () => r.reports.some((x) => x.kind === 'replaced'));
    expect(r.reports.find((x) => x.kind === 'replaced')).toMatchObject({ clientOrderId: 'k3f9x2000002smacross', qty: 0.03, limitPrice: 41_000 });
    expect(r.fake.admin.state().orders.find((o) => o.label === 'k3f9x2000002smacross')).toMatchObject({ amount: 0.03, state: 'open' });
    r.exec.cancel('k3f9x2000002smacross', Date.now());
    await until('canceled', () => r.reports.some((x) => x.kind === 'canceled'));
    await r.exec.idle();
    expect(r.reports.filter((x) => x.kind === 'canceled')).toHaveLength(1);

    // Reconciliation's questions: the venue's orders, position and cash are what the reports say.
    expect(await r.exec.queries.openOrders()).toEqual([]);
    expect(await r.exec.queries.positions()).toEqual([{ symbol: SYM, qty: 0.02, avgPrice: 49_900 }]);
    const acct = await r.exec.queries.account();
    expect(acct.accountId).toBe('1001');
    expect(acct.cash['USDC']).toBeCloseTo(100_000 - 0.02 * 49_900 * 0.0002, 6);
    const byId = await r.exec.queries.order('k3f9x2000002smacross');
    expect(byId).toMatchObject({ status: 'canceled', request: { symbol: SYM, qty: 0.03, type: 'limit', limitPrice: 41_000 } });
    expect(await r.exec.queries.order('neverplaced1')).toBeNull();
    const execs = await r.exec.queries.executionsSince!(T0 - 60_000);
    expect(execs.map((x) => x.clientOrderId)).toEqual(['k3f9x2000001smacross']);
    expect(r.problems).toEqual([]);
  });

  it('a refusal over the connection is a reject with the venue\'s reason; a spot symbol is refused before anything is sent', async () => {
    const r = await rig();
    r.exec.submit(sub('k3f9x2000003smacross', 100, 50_000));
    await until('rejected', () => r.reports.some((x) => x.kind === 'rejected'));
    expect(r.reports[0]).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/10009|not_enough_funds/) });
    r.exec.submit({ clientOrderId: 'k3f9x2000009smacross', ts: Date.now(), request: { symbol: 'BTC/USDC', side: 'buy', qty: 0.01, type: 'market' } });
    await until('spot rejected', () => r.reports.filter((x) => x.kind === 'rejected').length === 2);
    expect(r.reports[1]).toMatchObject({ reason: expect.stringMatching(/spot: market orders are not supported/) });
    expect(r.fake.admin.state().orders).toHaveLength(0);
  });

  it('after a dropped stream socket, resubscribes and books the fill made in the gap once, from REST', async () => {
    const r = await rig();
    r.exec.submit(sub('k3f9x2000004smacross', 0.01, 49_000));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.inject({ dropStreams: true });
    r.fake.admin.pushBar(bar(48_900, 48_800, 49_100));
    await until('gap fill', () => r.reports.some((x) => x.kind === 'fill'), 8000);
    await r.exec.idle();
    expect(r.problems.some((p) => /websocket/.test(p))).toBe(true);
    const gap = r.trail.findIndex((t) => /^info recovering after /.test(t));
    const fill = r.trail.indexOf('report fill k3f9x2000004smacross');
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(fill).toBeGreaterThan(gap);
    // The order connection was not cut: the next order goes on it, and its fill arrives once.
    expect(r.conn.connected).toBe(true);
    await until('resubscribed', () => r.fake.admin.state().connections.some((c) => c.subscriptions >= 2), 5000);
    r.exec.submit(sub('k3f9x2000005smacross', 0.01, 48_000));
    await until('accepted again', () => r.reports.some((x) => x.kind === 'accepted' && x.clientOrderId === 'k3f9x2000005smacross'));
    r.fake.admin.pushBar(bar(47_900, 47_800, 48_100));
    await until('second fill', () => r.reports.filter((x) => x.kind === 'fill').length >= 2, 8000);
    await new Promise((res) => setTimeout(res, 200));
    await r.exec.recover('test: ask REST again');
    expect(r.reports.filter((x) => x.kind === 'fill').map((f) => f.clientOrderId)).toEqual(['k3f9x2000004smacross', 'k3f9x2000005smacross']);
  });

  it('books funding as an account entry from the transaction log\'s settlement row, once', async () => {
    const r = await rig();
    r.exec.submit(sub('k3f9x2000006smacross', 0.02));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.pushBar(bar(50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    await r.exec.idle();
    const ids = r.fake.admin.fundNow(INST, 0.0001);
    expect(ids).toHaveLength(1);
    await r.exec.pullEntries();
    await r.exec.pullEntries();
    expect(r.problems).toEqual([]);
    expect(r.entries).toHaveLength(1);
    // 0.02 BTC x 50 000 x 0.0001: a long pays 0.1 USDC.
    expect(r.entries[0]).toMatchObject({ entryId: ids[0], kind: 'funding', symbol: SYM, currency: 'USDC', markPrice: 50_000 });
    expect(r.entries[0]!.amount).toBeCloseTo(-0.1, 9);
    const since = await r.exec.queries.entriesSince!(T0 - 60_000);
    expect(since.map((x) => x.entryId)).toEqual([ids[0]]);
    const acct = await r.exec.queries.account();
    expect(acct.cash['USDC']).toBeCloseTo(100_000 - 0.02 * 50_000 * 0.0005 - 0.1, 6);
  });

  it('the order connection drops: the venue cancels the orders made on it, the switch says it fired; an orderly disconnect turns it off', async () => {
    const r = await rig({ deadMan: true });
    expect(r.exec.deadMan?.()).toMatchObject({ state: 'armed', expiresAt: null });
    expect(r.fake.admin.state().connections.filter((c) => c.cancelOnDisconnect)).toHaveLength(1);
    r.exec.submit(sub('k3f9x2000007smacross', 0.01, 40_000));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    // Someone else's order on the account over REST: cancel-on-disconnect does not cover it.
    const manual = await r.ex.createOrder(SYM, 'limit', 'buy', 0.01, 39_000, { label: 'desk' });

    r.fake.admin.inject({ dropOrderEntry: true });
    await until('fired', () => r.exec.deadMan?.().state === 'fired');
    expect(r.events.some((m) => /FIRED/.test(m))).toBe(true);
    const st = r.fake.admin.state().orders;
    expect(st.find((o) => o.label === 'k3f9x2000007smacross')).toMatchObject({ state: 'cancelled', cancelReason: 'cancel_on_disconnect' });
    expect(st.find((o) => o.orderId === manual.id)?.state).toBe('open');
    // The adapter hears of the cancel on the order stream.
    await until('canceled report', () => r.reports.some((x) => x.kind === 'canceled' && x.clientOrderId === 'k3f9x2000007smacross'));

    // The next order dials a new connection with the switch on before it is sent.
    r.exec.submit(sub('k3f9x2000008smacross', 0.01, 40_000));
    await until('accepted on the new connection', () => r.reports.some((x) => x.kind === 'accepted' && x.clientOrderId === 'k3f9x2000008smacross'));
    expect(r.fake.admin.state().connections.filter((c) => c.cancelOnDisconnect)).toHaveLength(1);
    // An orderly exit turns the switch off and logs out: the order stays working.
    await r.exec.disconnect();
    await new Promise((res) => setTimeout(res, 100));
    expect(r.fake.admin.state().orders.find((o) => o.label === 'k3f9x2000008smacross')?.state).toBe('open');
  });
});
