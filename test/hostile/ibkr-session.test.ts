/**
 * Hostile, whole session: `startIbkr` (src/modes/ibkr.ts: link, execution client, engine, journal,
 * reconciliation) against the hostile TWS server, to see what the LEDGER makes of duplicated
 * executions, a resend after a reconnect, a late commission, and a 326 on reconnect.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.ts';
import { startIbkr, type IbkrSession } from '../../src/modes/ibkr.ts';
import { sleep, until } from './ibkr-harness.ts';
import { commissionMsg, errorMsg, execMsg, HostileTws, REQ } from './tws-hostile-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function session(extra: { commissionWaitMs?: number; tws?: HostileTws; dir?: string } = {}): Promise<{ tws: HostileTws; s: IbkrSession; logs: string[]; dir: string; stop: () => Promise<void> }> {
  const tws = extra.tws ?? await HostileTws.start({ accounts: 'DU1234567' });
  if (extra.tws === undefined) cleanups.push(() => tws.close());
  // History: "no data" at once (the session starts cold rather than waiting for a timeout).
  const orig = (tws as unknown as { handle: (c: unknown, f: string[]) => void }).handle.bind(tws);
  (tws as unknown as { handle: (c: { send: (f: unknown[]) => void }, f: string[]) => void }).handle = (c, f) => {
    if (Number(f[0]) === 20) { c.send(errorMsg(Number(f[1]), 162, 'Historical Market Data Service error message:HMDS query returned no data')); return; }
    orig(c, f);
  };
  const dir = extra.dir ?? mkdtempSync(join(tmpdir(), 'parity-ibkr-hostile-'));
  const config = ConfigSchema.parse({
    strategy: { file: join(ROOT, 'strategies/sma-cross.ts'), params: { fast: 2, slow: 4, qty: 1 } }, data: { files: [] },
    run: { sessionsDir: join(dir, 'sessions') }, ibkr: { port: tws.port, clientId: 11 },
  });
  const logs: string[] = [];
  const s = await startIbkr(config, [{ onLog: (l) => { logs.push(`${l.source}: ${l.message}`); } }], {
    live: false, symbols: ['AAPL'], stateDir: join(dir, 'state'), reconcilePeriodMs: 0, reconnectInitialMs: 30, reconnectMaxMs: 100,
    random: () => 0.5, heartbeatMs: 0, commissionWaitMs: extra.commissionWaitMs ?? 200,
  });
  let stopped = false;
  const stop = async (): Promise<void> => { if (stopped) return; stopped = true; s.engine.stop(); await s.done.catch(() => undefined); s.execution.disconnect(); };
  cleanups.push(stop);
  await s.recovered;
  // Warm-up over (a drop during its history request is its own test: ibkr-errors).
  await until(() => logs.some((l) => /history for AAPL/.test(l)), 'warm-up done', 3000, () => logs.join('\n'));
  return { tws, s, logs, dir, stop };
}

async function buy(tws: HostileTws, s: IbkrSession): Promise<{ cid: string; id: number }> {
  const cid = s.engine.submit({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limitPrice: 100, tif: 'day' }, 'operator');
  await until(() => tws.placed.some((p) => p.orderRef === cid), 'placed');
  const id = tws.placed.find((p) => p.orderRef === cid)!.orderId;
  await until(() => s.engine.orders.get(cid)?.status === 'accepted', 'accepted');
  return { cid, id };
}

describe('IBKR hostile session: the ledger', () => {
  it('an execution sent twice live and again by reqExecutions after a reconnect is booked once, with its commission', async () => {
    const { tws, s, logs } = await session();
    const { cid, id } = await buy(tws, s);
    const e = { orderId: id, execId: '00aa.01', orderRef: cid, shares: 10, price: 100, cumQty: 10 };
    tws.send(execMsg(e));
    tws.send(execMsg(e));
    tws.send(commissionMsg('00aa.01', 1.5));
    await until(() => s.engine.portfolio.qty('AAPL') !== 0, 'position');
    await sleep(300);
    tws.open.clear();
    tws.execs.push(e);
    tws.commissions.set('00aa.01', 1.5);
    const before = tws.count(REQ.EXECUTIONS);
    tws.dropAll();
    await until(() => tws.count(REQ.EXECUTIONS) > before && tws.liveConns().length === 1, 'reqExecutions after reconnect', 3000, () => logs.join('\n'));
    await s.execution.idle();
    await sleep(300);
    expect(s.engine.portfolio.qty('AAPL')).toBe(10);
    expect(s.engine.portfolio.position('AAPL').fees).toBeCloseTo(1.5, 9);
    expect(s.engine.orders.get(cid)?.status).toBe('filled');
  });

  // Was DEFECT (fixed in the core's 'fee' execution report: execution.ts emits it for a commission
  // that comes after its fill was booked; the registry adds it to that execution once, the engine books
  // it on the ledger, the journal and the recording carry it). Ledger view of the late-commission
  // defect in ibkr-fills: the engine booked the fill with fee 0 after commissionWaitMs and the
  // commission that arrived later never reached the portfolio.
  it('a commission that arrives after commissionWaitMs still reaches the portfolio', async () => {
    const { tws, s } = await session({ commissionWaitMs: 100 });
    const { cid, id } = await buy(tws, s);
    tws.send(execMsg({ orderId: id, execId: '00bb.01', orderRef: cid, shares: 10, price: 100, cumQty: 10 }));
    await until(() => s.engine.portfolio.qty('AAPL') === 10, 'position');
    tws.send(commissionMsg('00bb.01', 2));
    await sleep(300);
    expect(s.engine.portfolio.position('AAPL').fees).toBeCloseTo(2, 9);
  });

  it('326 on the reconnect (TWS still holds the dead connection\'s client id): retries with the SAME id until it is free', async () => {
    const { tws, s, logs } = await session();
    let refusals = 2;
    const normal = tws.on.startApi;
    tws.on.startApi = (c) => {
      if (refusals-- > 0) { c.send(errorMsg(-1, 326, 'Unable to connect as the client id is already in use. Retry with a unique client id.')); setTimeout(() => c.socket.destroy(), 10); return; }
      normal(c);
    };
    tws.dropAll();
    await until(() => s.execution.connection().state === 'connected' && tws.liveConns().length === 1 && refusals < 0, 'connected again', 4000, () => logs.join('\n'));
    expect(new Set(tws.conns.map((c) => c.clientId))).toEqual(new Set([11]));
    expect(logs.some((l) => /client id 11 is already in use/.test(l))).toBe(true);
  });

  it('Inactive, then Submitted, then a fill: the fill reaches the ledger', async () => {
    const { tws, s } = await session({ commissionWaitMs: 50 });
    const { cid, id } = await buy(tws, s);
    tws.send([3, id, 'Inactive', 0, 10, 0, 1000 + id, 0, 0, 7, '', 0]);
    await sleep(100);
    tws.send([3, id, 'Submitted', 0, 10, 0, 1000 + id, 0, 0, 7, '', 0]);
    tws.send(execMsg({ orderId: id, execId: '00cc.01', orderRef: cid, shares: 10, price: 100, cumQty: 10 }));
    tws.send(commissionMsg('00cc.01', 1));
    await sleep(400);
    // Real money moved at IB: whatever the order's state, the position must show it.
    expect(s.engine.portfolio.qty('AAPL')).toBe(10);
  });

  it('a restart with an order still working at TWS: recovered by orderRef, not placed again, no id reused', async () => {
    const tws = await HostileTws.start({ accounts: 'DU1234567' });
    cleanups.push(() => tws.close());
    const first = await session({ tws });
    const { cid, id } = await buy(tws, first.s);
    await first.stop();
    tws.nextValidId = 1;
    const second = await session({ tws, dir: first.dir });
    await sleep(300);
    expect(tws.placed.filter((p) => p.orderRef === cid)).toHaveLength(1);
    expect(second.s.engine.orders.get(cid)?.status).toBe('accepted');
    const cid2 = second.s.engine.submit({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limitPrice: 99, tif: 'day' }, 'operator');
    await until(() => tws.placed.some((p) => p.orderRef === cid2), 'second order placed');
    expect(tws.placed.find((p) => p.orderRef === cid2)!.orderId).toBeGreaterThan(id);
  });

  it('an execution correction (same execId up to the last period, TWS docs: it replaces the first) is not booked as a second fill', async () => {
    const { tws, s } = await session({ commissionWaitMs: 50 });
    const { cid, id } = await buy(tws, s);
    tws.send(execMsg({ orderId: id, execId: '0000e0d5.6543f7a2.01.01', orderRef: cid, shares: 10, price: 100, cumQty: 10 }));
    tws.send(commissionMsg('0000e0d5.6543f7a2.01.01', 1));
    await until(() => s.engine.portfolio.qty('AAPL') === 10, 'first fill');
    tws.send(execMsg({ orderId: id, execId: '0000e0d5.6543f7a2.01.02', orderRef: cid, shares: 10, price: 100.02, cumQty: 10 }));
    tws.send(commissionMsg('0000e0d5.6543f7a2.01.02', 1));
    await sleep(300);
    expect(s.engine.portfolio.qty('AAPL')).toBe(10);
  });
});

describe('IBKR hostile session: an outage ends an order', () => {
  it('partly filled, then canceled at TWS during an outage: after the reconnect the ledger holds the 4 filled, not 10', async () => {
    const { tws, s, logs } = await session({ commissionWaitMs: 50 });
    const { cid, id } = await buy(tws, s);
    const e = { orderId: id, execId: '00dd.01', orderRef: cid, shares: 4, price: 100, cumQty: 4 };
    tws.send(execMsg(e));
    tws.send(commissionMsg('00dd.01', 0.4));
    await until(() => s.engine.portfolio.qty('AAPL') === 4, 'partial');
    tws.execs.push(e);
    tws.commissions.set('00dd.01', 0.4);
    tws.open.delete(id); // the rest canceled at TWS while we were away
    const before = tws.count(REQ.EXECUTIONS);
    tws.dropAll();
    await until(() => tws.count(REQ.EXECUTIONS) > before && tws.liveConns().length === 1, 'resync', 3000, () => logs.join('\n'));
    await s.execution.idle();
    await sleep(500);
    expect(s.engine.portfolio.qty('AAPL')).toBe(4);
    const o = s.engine.orders.get(cid);
    // Not open any more at TWS; and not "filled" either (6 of 10 never traded).
    expect(o?.status).not.toBe('filled');
  });
});

describe('IBKR hostile session: start-up refusals', () => {
  it('200 for a symbol at start (no security definition): refuses to start, naming the symbol and the pin to add', async () => {
    const tws = await HostileTws.start({ accounts: 'DU1234567' });
    cleanups.push(() => tws.close());
    tws.unknownSymbols.add('AAPL');
    const err = await session({ tws }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/AAPL/);
    expect((err as Error).message).toMatch(/200|security definition|contracts/i);
    expect(tws.placed).toEqual([]);
  });
});
