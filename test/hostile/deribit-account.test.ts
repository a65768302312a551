/**
 * Hostile Deribit account answers: the transaction log (repeats across pages, unknown row types,
 * a cursor that never ends), the order connection's login (refused, a stale timestamp from a
 * skewed clock) and cancel-on-disconnect across a dropped connection. Real adapter, real ccxt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import { logRow } from './deribit-hostile-server.ts';
import { drig, leaks, sleep, until, type DRig } from './deribit-harness.ts';
import { SYMBOL } from './deribit-hostile-server.ts';

const rigs: DRig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.close(); });
const make = async (o: Parameters<typeof drig>[0] = {}): Promise<DRig> => { const r = await drig(o); rigs.push(r); return r; };
const t0 = Date.now();

describe('Deribit transaction log: hostile pages', () => {
  it('a settlement row repeated on the next page (a cursor that overlaps) is booked once', async () => {
    const r = await make();
    const row = logRow({ id: 900, type: 'settlement', change: -1.25, timestamp: t0 + 1000 });
    const other = logRow({ id: 899, type: 'settlement', change: -0.5, timestamp: t0 + 500 });
    r.h.scripts.push((m, p) => {
      if (m !== 'private/get_transaction_log') return undefined;
      return p['continuation'] === undefined ? { result: { logs: [row], continuation: 900 } } : { result: { logs: [row, other], continuation: null } };
    });
    const got = await r.c.execution.pullEntries();
    expect(got.filter((e) => e.entryId === '900')).toHaveLength(1);
    expect(got.map((e) => [e.kind, e.amount]).sort()).toEqual([['funding', -0.5], ['funding', -1.25]]);
    expect(await r.c.execution.pullEntries()).toEqual([]);
  });

  it('a row of a type the profile does not know that moves cash (a correction) is booked as other, and said', async () => {
    const r = await make();
    r.h.logs.push(logRow({ id: 901, type: 'correction', change: -7, timestamp: t0 + 1000 }));
    const got = await r.c.execution.pullEntries();
    expect(got).toMatchObject([{ entryId: '901', kind: 'other', amount: -7 }]);
    expect(r.said.join('\n')).toMatch(/901.*correction/);
  });

  it('a cursor that never ends (the same continuation forever) stops, and books what it read once', async () => {
    const r = await make();
    let pages = 0;
    r.h.scripts.push((m) => {
      if (m !== 'private/get_transaction_log') return undefined;
      pages++;
      return { result: { logs: [logRow({ id: 902, type: 'settlement', change: -2, timestamp: t0 + 1000 })], continuation: 5 } };
    });
    const got = await r.c.execution.pullEntries();
    expect(got.map((e) => e.entryId)).toEqual(['902']);
    expect(pages).toBeLessThanOrEqual(60);
  }, 15_000);

  it('a settlement row whose change is null books no NaN', async () => {
    const r = await make();
    r.h.logs.push(logRow({ id: 903, type: 'settlement', change: 0, timestamp: t0 + 1000 }), { ...logRow({ id: 904, type: 'settlement', change: 0, timestamp: t0 + 1100 }), change: null, cashflow: null, interest_pl: null });
    const got = await r.c.execution.pullEntries();
    for (const e of got) expect(Number.isFinite(e.amount)).toBe(true);
  });
});

describe('Deribit order connection: login and cancel-on-disconnect', () => {
  it('a login refused on the order websocket with the request echoed: start-up fails as a key refusal, and neither key reaches the message', async () => {
    const err = await make({
      before: (h) => h.scripts.push((m, p, via) => (m === 'public/auth' && via !== 'rest' ? { error: { code: 13004, message: 'invalid_credentials', data: { reason: `bad signature for ${JSON.stringify(p)}` } } } : undefined)),
    }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ccxt.AuthenticationError);
    expect(leaks(String((err as Error).message))).toEqual([]);
  });

  it('our clock five minutes behind the venue\'s (its login refuses our timestamp, 13004): the error says the clock, not the keys', async () => {
    const err = await make({ before: (h) => { h.skewMs = 300_000; } }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ccxt.InvalidNonce);
    expect(String((err as Error).message)).toMatch(/clock/i);
  });

  it('the order connection drops: the switch says FIRED, and the next order goes only after cancel-on-disconnect is on again on the new connection', async () => {
    const r = await make({ deadMan: true });
    expect(r.c.deadMan?.view().state).toBe('armed');
    r.h.cut();
    await until('fired', () => r.c.deadMan?.view().state === 'fired', 5000);
    const at = r.h.log.length;
    r.c.execution.submit({ clientOrderId: 'p7hostile000009', ts: Date.now(), request: { symbol: SYMBOL, side: 'buy', qty: 0.01, type: 'limit', limitPrice: 49_000 } });
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 8000);
    const after = r.h.log.slice(at).filter((l) => l.startsWith('ws'));
    const buy = after.findIndex((l) => l.includes('private/buy'));
    const arm = after.findIndex((l) => l.includes('private/enable_cancel_on_disconnect'));
    expect(arm).toBeGreaterThan(-1);
    expect(arm).toBeLessThan(buy);
    await sleep(50);
  }, 15_000);

  it('cancel-on-disconnect refused on the new connection: the order is not sent unprotected as if armed, and the switch does not say armed', async () => {
    const r = await make({ deadMan: true });
    r.h.cut();
    await until('fired', () => r.c.deadMan?.view().state === 'fired', 5000);
    r.h.scripts.push((m) => (m === 'private/enable_cancel_on_disconnect' ? { error: { code: 11029, message: 'invalid_arguments' } } : undefined));
    await r.c.deadMan?.refresh();
    expect(r.c.deadMan?.view().state).not.toBe('armed');
  }, 15_000);
});

describe('Deribit cancel-on-disconnect: our books after the venue fired', () => {
  it('the order connection drops and the venue cancels its orders without a word on the stream: the order is reported canceled without waiting for a reconciliation', async () => {
    const r = await make({ deadMan: true });
    r.c.execution.submit({ clientOrderId: 'p7hostile000010', ts: Date.now(), request: { symbol: SYMBOL, side: 'buy', qty: 0.01, type: 'limit', limitPrice: 49_000 } });
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 5000);
    // The venue cancels what the connection placed (cancel-on-disconnect), and pushes nothing.
    for (const o of r.h.orders) Object.assign(o, { order_state: 'cancelled', cancel_reason: 'cancel_on_disconnect', last_update_timestamp: Date.now() });
    r.h.cutOrders();
    await until('fired', () => r.c.deadMan?.view().state === 'fired', 5000);
    await until('canceled', () => r.reports.some((x) => x.kind === 'canceled' && x.clientOrderId === 'p7hostile000010'), 5000);
  }, 15_000);
});
