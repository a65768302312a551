/**
 * The ccxt adapter driving the real ccxt.pro.bybit against the Bybit fake on 127.0.0.1, assembled
 * as a session assembles it (openCcxtClient: order, ledger and dead-man instances from the
 * profile): order, fill, cancel, replace under our orderLinkId; a dropped socket with a fill in
 * the gap (booked once); funding booked as an account entry on the perpetual (not the spot pair of
 * the same Bybit symbol); Disconnection Protect firing when the dcp socket is gone (our orders
 * canceled at the venue) and not when it comes back in time; DCP unavailable reported when the
 * account has none; and a session's reconciliation clean against the venue.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/config/schema.ts';
import { startCcxt, type CcxtSession } from '../../../src/modes/ccxt.ts';
import type { AccountEntry, ExecutionReport } from '../../../src/ports/index.ts';
import { startBybitFake, type BybitFake } from '../../../src/venue-server/bybit/index.ts';
import { openCcxtClient, type CcxtClient } from '../../../src/venues/ccxt/client.ts';
import type { DcpState, DcpSubscription } from '../../../src/venues/ccxt/dcp-subscription.ts';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';
import { BYBIT_PROFILE } from '../../../src/venues/ccxt/profile-bybit.ts';

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

interface Rig {
  fake: BybitFake; client: CcxtClient; reports: ExecutionReport[]; entries: AccountEntry[]; problems: string[]; said: string[]; dcp: DcpSubscription | null; dcpStates: DcpState[];
}
const open: { fakes: BybitFake[]; clients: CcxtClient[]; dcps: DcpSubscription[]; sessions: CcxtSession[] } = { fakes: [], clients: [], dcps: [], sessions: [] };

afterEach(async () => {
  for (const s of open.sessions.splice(0)) {
    s.engine.stop();
    await s.engine.execution.disconnect();
    await s.done.catch(() => undefined);
  }
  for (const d of open.dcps.splice(0)) await d.stop();
  for (const c of open.clients.splice(0)) await c.execution.disconnect();
  for (const f of open.fakes.splice(0)) await f.close();
});

async function rig(o: { dcpEnabled?: boolean; deadMan?: boolean; dcp?: boolean; cash?: number } = {}): Promise<Rig> {
  const fake = await startBybitFake({ port: 0, startTime: T0, speed: 0, ...(o.dcpEnabled !== undefined ? { dcpEnabled: o.dcpEnabled } : {}), ...(o.cash !== undefined ? { cash: o.cash } : {}) });
  open.fakes.push(fake);
  fake.admin.pushBar(bar('BTCUSDT', 50_000));
  const said: string[] = [];
  const dcpStates: DcpState[] = [];
  const client = await openCcxtClient(BYBIT_PROFILE, { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: null, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl }, {
    symbols: [PERP, SPOT], terms: () => ({ leverage: 3, marginMode: 'cross' }), onDcpState: (s) => dcpStates.push(s),
    deadMan: { enabled: o.deadMan === true, timeoutSec: 10, refreshSec: 60 }, enableRateLimit: false,
    say: (level, m) => said.push(`${level} ${m}`), tuning: { reconnectInitialMs: 20, billsPollMs: 0, heartbeatMs: 0 },
  });
  open.clients.push(client);
  const reports: ExecutionReport[] = [];
  const entries: AccountEntry[] = [];
  const problems: string[] = [];
  said.length = 0;
  await client.execution.connect((r) => reports.push(r), undefined, (e) => entries.push(e));
  // The session's switch starts its dcp subscription (on the order instance's private socket) before arming.
  await client.deadMan?.start();
  const dcp = client.dcp;
  // ccxt subscribes on the first watch: give the private socket a moment to authenticate.
  await new Promise((r) => setTimeout(r, 200));
  return { fake, client, reports, entries, problems, said, dcp, dcpStates };
}

const limit = (cid: string, side: 'buy' | 'sell', qty: number, limitPrice: number, symbol = PERP) => ({ clientOrderId: cid, ts: Date.now(), request: { symbol, side, qty, type: 'limit' as const, limitPrice } });
const market = (cid: string, side: 'buy' | 'sell', qty: number) => ({ clientOrderId: cid, ts: Date.now(), request: { symbol: PERP, side, qty, type: 'market' as const } });
const said = (r: Rig) => r.said.filter((m) => !m.startsWith('info'));

describe('ccxt adapter on the Bybit fake', () => {
  it('places under our orderLinkId, fills once from the stream, amends in place, cancels', async () => {
    const r = await rig();
    const exec = r.client.execution;
    exec.submit(limit('k3f9x2-bybit_01', 'buy', 0.02, 49_900));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    expect(r.fake.admin.state().orders.find((o) => o.orderLinkId === 'k3f9x2-bybit_01')).toMatchObject({ category: 'linear', symbol: 'BTCUSDT', orderStatus: 'New' });
    r.fake.admin.pushBar(bar('linear:BTCUSDT', 49_950, 49_800, 50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    await new Promise((res) => setTimeout(res, 200));
    await exec.idle();
    const fills = r.reports.filter((x) => x.kind === 'fill');
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ clientOrderId: 'k3f9x2-bybit_01', qty: 0.02, price: 49_900 });
    // 2 bps of 0.02 x 49,900, paid.
    expect((fills[0] as { fee: number }).fee).toBeCloseTo(0.1996, 8);

    exec.submit(limit('k3f9x2-bybit_02', 'buy', 0.01, 40_000));
    await until('second accepted', () => r.reports.some((x) => x.kind === 'accepted' && x.clientOrderId === 'k3f9x2-bybit_02'));
    exec.replace('k3f9x2-bybit_02', { qty: 0.03, limitPrice: 41_000 }, Date.now());
    await until('replaced', () => r.reports.some((x) => x.kind === 'replaced'));
    expect(r.reports.find((x) => x.kind === 'replaced')).toMatchObject({ clientOrderId: 'k3f9x2-bybit_02', qty: 0.03, limitPrice: 41_000 });
    const st = r.fake.admin.state().orders.filter((o) => o.orderLinkId === 'k3f9x2-bybit_02');
    // In place: the same venue order, its new size.
    expect(st).toHaveLength(1);
    expect(st[0]!.qty).toBe('0.03');
    exec.cancel('k3f9x2-bybit_02', Date.now());
    await until('canceled', () => r.reports.some((x) => x.kind === 'canceled'));
    await exec.idle();
    expect(r.reports.filter((x) => x.kind === 'canceled')).toHaveLength(1);
    expect(r.fake.admin.state().orders.find((o) => o.orderLinkId === 'k3f9x2-bybit_02')?.orderStatus).toBe('Cancelled');
    // Reduce-only on spot is refused before anything is sent.
    exec.submit({ clientOrderId: 'k3f9x2-bybit_03', ts: Date.now(), request: { symbol: SPOT, side: 'sell', qty: 0.001, type: 'market', reduceOnly: true } });
    await until('refused', () => r.reports.some((x) => x.kind === 'rejected'));
    expect(r.reports.find((x) => x.kind === 'rejected')).toMatchObject({ reason: expect.stringMatching(/spot: reduce-only/) });
    expect(said(r)).toEqual([]);
  });

  it('after a dropped socket, resubscribes and books the fill made in the gap once', async () => {
    const r = await rig();
    const exec = r.client.execution;
    exec.submit(limit('k3f9x2-bybit_04', 'buy', 0.01, 49_000));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.inject({ dropPrivate: true });
    r.fake.admin.pushBar(bar('linear:BTCUSDT', 48_900, 48_800, 49_100));
    await until('gap fill', () => r.reports.some((x) => x.kind === 'fill'), 8000);
    await exec.idle();
    // The socket is back: a later fill arrives on it.
    exec.submit(limit('k3f9x2-bybit_05', 'buy', 0.01, 48_000));
    await until('accepted again', () => r.reports.some((x) => x.kind === 'accepted' && x.clientOrderId === 'k3f9x2-bybit_05'));
    r.fake.admin.pushBar(bar('linear:BTCUSDT', 47_900, 47_800, 48_100));
    await until('second fill', () => r.reports.filter((x) => x.kind === 'fill').length >= 2, 8000);
    await new Promise((res) => setTimeout(res, 200));
    await exec.recover('test: ask REST again');
    const fills = r.reports.filter((x) => x.kind === 'fill');
    expect(fills.map((f) => f.clientOrderId)).toEqual(['k3f9x2-bybit_04', 'k3f9x2-bybit_05']);
  });

  it('books funding from the transaction log as an account entry on the perpetual, each row once', async () => {
    const r = await rig();
    const exec = r.client.execution;
    exec.submit(market('k3f9x2-bybit_06', 'buy', 0.02));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.pushBar(bar('linear:BTCUSDT', 50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    await exec.idle();
    const ids = r.fake.admin.fundNow('BTCUSDT', 0.0001);
    expect(ids).toHaveLength(1);
    await exec.pullEntries();
    await exec.pullEntries();
    expect(said(r)).toEqual([]);
    const funding = r.entries.filter((e) => e.kind === 'funding');
    expect(funding).toHaveLength(1);
    // 0.02 BTC x 50,000 x 0.0001: a long pays 0.1 USDT. BTCUSDT is both a spot pair and the
    // perpetual: the row's category says which.
    expect(funding[0]).toMatchObject({ entryId: ids[0], kind: 'funding', symbol: PERP, currency: 'USDT', markPrice: 50_000 });
    expect(funding[0]!.amount).toBeCloseTo(-0.1, 9);
    expect(r.entries.filter((e) => e.kind !== 'funding')).toEqual([]);
  });

  it('a liquidation the venue makes is booked from its LIQUIDATION row: the trade on our position, the fee apart from the P&L', async () => {
    // 1,000 USDT of notional at 3x on 400 USDT of cash.
    const r = await rig({ cash: 400 });
    const exec = r.client.execution;
    exec.submit(market('k3f9x2-bybit_08', 'buy', 0.02));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));
    r.fake.admin.pushBar(bar('linear:BTCUSDT', 50_000));
    await until('fill', () => r.reports.some((x) => x.kind === 'fill'));
    r.fake.admin.pushBar(bar('linear:BTCUSDT', 30_000));
    // No timer (billsPollMs 0): the position push makes the adapter read the log.
    await until('liquidation entry', () => r.entries.some((e) => e.kind === 'liquidation'), 5000);
    await exec.pullEntries();
    const liq = r.entries.filter((e) => e.kind === 'liquidation');
    expect(liq).toHaveLength(1);
    expect(liq[0]).toMatchObject({ symbol: PERP, currency: 'USDT', trade: { qty: -0.02 } });
    expect(liq[0]!.amount).toBeLessThan(0);
    expect(r.fake.admin.state().positions).toEqual([]);
    expect(r.reports.filter((x) => x.kind === 'fill')).toHaveLength(1);
  });

  it('Disconnection Protect: armed with the dcp socket subscribed; fires when the socket is gone for the window (our orders canceled), not when it is back in time', async () => {
    const r = await rig({ deadMan: true, dcp: true });
    const exec = r.client.execution;
    expect(r.dcp!.view().state).toBe('subscribed');
    expect(r.client.deadMan!.view()).toMatchObject({ state: 'armed', timeoutMs: 10_000 });
    expect(r.fake.admin.state().dcp.find((d) => d.product === 'DERIVATIVES')).toMatchObject({ timeWindow: 10, sockets: 1, firesAt: null });
    exec.submit(limit('k3f9x2-bybit_07', 'buy', 0.01, 40_000));
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'));

    // A dropped socket that the session brings back within the window: nothing fires.
    r.fake.admin.inject({ dropPrivate: true });
    await until('the dcp socket gone', () => r.fake.admin.state().dcp.find((d) => d.product === 'DERIVATIVES')!.sockets === 0);
    await until('the dcp socket back', () => r.fake.admin.state().dcp.find((d) => d.product === 'DERIVATIVES')!.sockets === 1);
    expect(r.dcpStates.map((s) => s.state)).toContain('down');
    // The venue counts the socket as it subscribes; our side says so once the acknowledgement is read.
    await until('the dcp subscription acknowledged again', () => r.dcp!.view().state === 'subscribed');
    r.fake.admin.advance(30_000);
    expect(r.fake.admin.state().orders.find((o) => o.orderLinkId === 'k3f9x2-bybit_07')?.orderStatus).toBe('New');

    // The console dies: its sockets go without an unsubscribe, nothing refreshes.
    // (An orderly disconnect would unsubscribe from dcp, and the venue would not fire: close the sockets as a death does.)
    await r.client.deadMan!.stop(false);
    await closeExchange(r.client.ex);
    await until('every dcp socket gone', () => r.fake.admin.state().dcp.find((d) => d.product === 'DERIVATIVES')!.sockets === 0);
    await until('the subscription stopped with the exchange', () => r.dcp!.view().state === 'stopped');
    r.fake.admin.advance(9_000);
    expect(r.fake.admin.state().orders.find((o) => o.orderLinkId === 'k3f9x2-bybit_07')?.orderStatus).toBe('New');
    r.fake.admin.advance(1_500);
    expect(r.fake.admin.state().orders.find((o) => o.orderLinkId === 'k3f9x2-bybit_07')?.orderStatus).toBe('Cancelled');
  });

  it('an account without Disconnection Protect: the switch is reported not armed, saying what Bybit needs', async () => {
    const r = await rig({ deadMan: true, dcp: true, dcpEnabled: false });
    const v = r.client.deadMan!.view();
    expect(v.state).toBe('failing');
    expect(v.detail).toMatch(/Disconnection Protect is not enabled/);
    expect(v.detail).toMatch(/it needs Disconnection Protect enabled for the account .* and a private websocket subscribed to dcp/);
    expect(r.said.some((m) => /^warn dead-man switch/.test(m) && /Disconnection Protect/.test(m))).toBe(true);
  });
});

describe('a Bybit session', () => {
  it("--live needs the account's UID typed: a wrong one refuses before anything is traded, the right one starts on the live hosts", async () => {
    const fake = await startBybitFake({ port: 0, speed: 0, liveAccount: true, uid: 4_571_882 });
    open.fakes.push(fake);
    const dir = mkdtempSync(join(tmpdir(), 'parity-bybit-live-'));
    const config = ConfigSchema.parse({ bybit: { symbols: [PERP], deadMan: { enabled: false } }, run: { sessionsDir: join(dir, 'sessions') } });
    const env = { BYBIT_API_KEY: fake.credentials.apiKey, BYBIT_SECRET: fake.credentials.secret, BYBIT_BASE_URL: fake.restUrl, BYBIT_WS_URL: fake.wsUrl };
    const wrong = await startCcxt(BYBIT_PROFILE, config, [], { live: true, confirmAccount: '4571883', env, stateDir: join(dir, 'state') }).then(() => null, (e: unknown) => e as Error);
    expect(wrong?.message).toMatch(/refusing to trade real money.*UID/);
    expect(fake.admin.state().orders).toHaveLength(0);
    let named = '';
    const s = await startCcxt(BYBIT_PROFILE, config, [], { live: true, confirmAccount: '4571882', env, stateDir: join(dir, 'state'), heartbeatMs: 0, onAccount: (v, a) => { named = `${v} ${a.accountId} ${a.live}`; } });
    open.sessions.push(s);
    expect(named).toBe('bybit-live 4571882 true');
  });

  it('refuses keys the venue refuses, naming the settings to check and never the secret', async () => {
    const fake = await startBybitFake({ port: 0, speed: 0 });
    open.fakes.push(fake);
    const config = ConfigSchema.parse({ bybit: { symbols: [PERP] } });
    const env = { BYBIT_API_KEY: fake.credentials.apiKey, BYBIT_SECRET: 'wrong-SECRET-91', BYBIT_BASE_URL: fake.restUrl, BYBIT_WS_URL: fake.wsUrl };
    const err = await startCcxt(BYBIT_PROFILE, config, [], { live: false, env, stateDir: mkdtempSync(join(tmpdir(), 'parity-bybit-keys-')) }).then(() => null, (e: unknown) => e as Error);
    expect(err?.name).toBe('CcxtConfigError');
    expect(err?.message).toMatch(/BYBIT_API_KEY, BYBIT_SECRET/);
    expect(err?.message).not.toContain('wrong-SECRET-91');
  });

  it('trades through ccxt, and the reconciliation against the venue is clean', async () => {
    const t0 = Date.now() - 3_600_000;
    const fake = await startBybitFake({ port: 0, speed: 0, startTime: t0 });
    open.fakes.push(fake);
    const dir = mkdtempSync(join(tmpdir(), 'parity-bybit-session-'));
    const config = ConfigSchema.parse({
      strategy: { file: join(import.meta.dirname, '../../../strategies/perp-trend.ts'), typecheck: false, params: { fast: 2, slow: 4, exposure: 0.5 } },
      run: { sessionsDir: join(dir, 'sessions') },
      bybit: { symbols: [PERP], deadMan: { enabled: false } },
    });
    const env = { BYBIT_API_KEY: fake.credentials.apiKey, BYBIT_SECRET: fake.credentials.secret, BYBIT_BASE_URL: fake.restUrl, BYBIT_WS_URL: fake.wsUrl };
    const s = await startCcxt(BYBIT_PROFILE, config, [], { live: false, env, stateDir: join(dir, 'state'), billsPollMs: 200, heartbeatMs: 0, reconcilePeriodMs: 0 });
    open.sessions.push(s);
    await s.recovered;
    await new Promise((r) => setTimeout(r, 400));
    for (let i = 0; i < 12; i++) {
      const px = 50_000 + i * 100;
      fake.admin.pushBar({ instId: 'linear:BTCUSDT', ts: t0 + i * 60_000, open: px, high: px, low: px, close: px, volume: 10 });
      await new Promise((r) => setTimeout(r, 120));
    }
    await until('a position', () => s.engine.portfolio.position(PERP).qty > 0, 8000);
    fake.admin.fundNow('BTCUSDT', 0.0001);
    await until('funding booked', () => s.engine.portfolio.account().funding !== 0);
    await new Promise((r) => setTimeout(r, 400));
    const rec = await s.reconciler.reconcileNow('on-demand');
    expect(rec.diffs).toEqual([]);
    const venuePos = fake.admin.state().positions.find((p) => p.symbol === 'BTCUSDT')!;
    expect(s.engine.portfolio.position(PERP).qty).toBeCloseTo(venuePos.size, 9);
  }, 20_000);
});
