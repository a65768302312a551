/**
 * Hostile Bybit account answers against the adapter as a session assembles it: the transaction
 * log (repeats across pages, a type nobody listed), Disconnection Protect whose arming is accepted
 * while its dcp topic is refused, a clock the venue refuses (10002), a login refused with the
 * request echoed, errors that echo our keys, and a rate limit on a create that landed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bybitErr, logRow, ok } from './bybit-hostile-server.ts';
import { brig, leaks, sleep, until, type BRig } from './bybit-harness.ts';
import { CREDS } from './bybit-hostile-server.ts';

const rigs: BRig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.close(); });
const make = async (o: Parameters<typeof brig>[0] = {}): Promise<BRig> => { const r = await brig(o); rigs.push(r); return r; };
const t0 = Date.now();
const CID = 'q8hostile0000002';
const sub = () => ({ clientOrderId: CID, ts: Date.now(), request: { symbol: 'BTC/USDT:USDT', side: 'buy' as const, qty: 0.01, type: 'limit' as const, limitPrice: 49_000 } });

describe('Bybit transaction log: hostile pages', () => {
  it('a SETTLEMENT row repeated on the next page (an overlapping cursor) is booked once', async () => {
    const r = await make();
    const a = logRow({ id: 's1', type: 'SETTLEMENT', change: '-1.5', funding: '1.5', transactionTime: String(t0 + 2000) });
    const b = logRow({ id: 's0', type: 'SETTLEMENT', change: '-0.5', funding: '0.5', transactionTime: String(t0 + 1000) });
    r.h.routes.push((q) => {
      if (q.path !== 'account/transaction-log') return undefined;
      return q.query.get('cursor') === null ? ok({ list: [a], nextPageCursor: 'c1' }) : ok({ list: [a, b], nextPageCursor: '' });
    });
    // A position snapshot may have started a pull already: what is booked is what reached the entries sink.
    await r.c.execution.pullEntries();
    await r.c.execution.pullEntries();
    expect(r.entries.filter((e) => e.entryId === 's1')).toHaveLength(1);
    expect(r.entries.map((e) => [e.kind, e.amount]).sort()).toEqual([['funding', -0.5], ['funding', -1.5]]);
  });

  it('a row of a type the profile does not list that moves cash is booked as other, and said', async () => {
    const r = await make();
    r.h.logs.push(logRow({ id: 'x1', type: 'CASH_CORRECTION', change: '-3.25', transactionTime: String(t0 + 1000) }));
    await r.c.execution.pullEntries();
    await r.c.execution.pullEntries();
    expect(r.entries).toMatchObject([{ entryId: 'x1', kind: 'other', amount: -3.25 }]);
    expect(r.said.join('\n')).toMatch(/x1.*CASH_CORRECTION/);
  });

  it('a SETTLEMENT row with change "" books no NaN', async () => {
    const r = await make();
    r.h.logs.push(logRow({ id: 's9', type: 'SETTLEMENT', change: '', cashFlow: '', funding: '', transactionTime: String(t0 + 1000) }));
    await r.c.execution.pullEntries();
    await r.c.execution.pullEntries();
    for (const e of r.entries) expect(Number.isFinite(e.amount)).toBe(true);
  });
});

describe('Bybit Disconnection Protect, clock, logins and keys', () => {
  it('arming answered retCode 0 while the dcp topic is refused: the switch is not armed, and says why', async () => {
    const r = await make({ deadMan: true, before: (h) => h.refuseTopics.add('dcp.future') });
    await until('not armed', () => r.c.deadMan?.view().state === 'failing', 5000);
    expect(r.c.deadMan?.view().detail ?? '').toMatch(/dcp/);
    expect(r.h.log.some((l) => l.startsWith('POST order/disconnected-cancel-all'))).toBe(true);
  }, 15_000);

  it('the dcp socket dropped after arming: the switch says it cannot fire until the subscription is back, then armed again', async () => {
    const r = await make({ deadMan: true });
    await until('armed', () => r.c.deadMan?.view().state === 'armed', 5000);
    r.h.cut();
    await until('failing', () => r.c.deadMan?.view().state === 'failing', 5000);
    await until('armed again', () => r.c.deadMan?.view().state === 'armed', 8000);
  }, 15_000);

  it('our clock off by a minute (10002 on the first signed request): the error says the clock, not the network or the keys', async () => {
    const err = await make({ before: (h) => { h.skewMs = 60_000; } }).then(() => null, (e: unknown) => e);
    expect(String(err)).toMatch(/clock/i);
    expect(leaks(String(err))).toEqual([]);
  }, 15_000);

  it('a private websocket login refused with the request echoed: the problem says the login was refused, and no key reaches it', async () => {
    const r = await make({ before: (h) => { h.wsLogin = 'echo'; } });
    await until('a problem', () => r.said.some((l) => /login|auth/i.test(l)), 5000);
    const text = r.said.join('\n');
    expect(leaks(text)).toEqual([]);
  }, 15_000);

  it('a create refused with an error that echoes the key and the secret: the reject reason carries neither', async () => {
    const r = await make();
    r.h.routes.push((q) => (q.path === 'order/create' ? bybitErr(10004, `error sign! origin_string[${Date.now()}${CREDS.apiKey}5000${CREDS.secret}]`) : undefined));
    r.c.execution.submit(sub());
    await until('rejected', () => r.reports.some((x) => x.kind === 'rejected'), 5000);
    expect(leaks(JSON.stringify(r.reports))).toEqual([]);
    expect(leaks(r.said.join('\n'))).toEqual([]);
  });

  it('an arming call refused with an error that echoes the key: the switch\'s words carry no key', async () => {
    const r = await make({ deadMan: true, before: (h) => h.routes.push((q) => (q.path === 'order/disconnected-cancel-all' ? bybitErr(10004, `error sign! origin_string[${CREDS.apiKey}${CREDS.secret}]`) : undefined)) });
    await until('failing', () => r.c.deadMan?.view().state === 'failing', 5000);
    expect(leaks(r.said.join('\n'))).toEqual([]);
    expect(leaks(JSON.stringify(r.c.deadMan?.view()))).toEqual([]);
  }, 15_000);

  it('10006 (rate limit) on a create that landed: found by orderLinkId, not placed twice', async () => {
    const r = await make();
    let n = 0;
    r.h.routes.push((q) => {
      if (q.path !== 'order/create' || n++ > 0) return undefined;
      r.h.orders.push({ ...r.h.orders[0], ...{ orderId: 'o55', orderLinkId: String(q.body?.['orderLinkId']), category: 'linear', orderStatus: 'New', symbol: 'BTCUSDT', side: 'Buy', qty: '0.01', price: '49000', createdTime: String(Date.now()), updatedTime: String(Date.now()), timeInForce: 'GTC', orderType: 'Limit', cumExecQty: '0', leavesQty: '0.01' } });
      return bybitErr(10006, 'Too many visits!');
    });
    r.c.execution.submit(sub());
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 8000);
    await r.c.execution.idle();
    await sleep(100);
    expect(r.h.log.filter((l) => l.startsWith('POST order/create'))).toHaveLength(1);
    expect(r.reports.find((x) => x.kind === 'accepted')).toMatchObject({ venueOrderId: 'o55' });
  }, 15_000);

  it('an orderly end whose dcp unsubscribe the venue refuses: the operator is told the venue will still cancel our orders', async () => {
    const r = await make({ deadMan: true });
    await until('armed', () => r.c.deadMan?.view().state === 'armed', 5000);
    r.h.refuseTopics.add('dcp.future');
    await r.c.deadMan?.stop(true);
    await sleep(100);
    expect(r.h.log.some((l) => l.startsWith('ws unsubscribe dcp.future'))).toBe(true);
    expect(r.said.join('\n')).toMatch(/unsubscribe|dcp/i);
    expect(r.said.filter((l) => l.startsWith('warn')).join('\n')).toMatch(/cancel/i);
  }, 15_000);

  it('an orderly end while the dcp socket is down: the operator is told the venue may cancel our orders', async () => {
    const r = await make({ deadMan: true });
    await until('armed', () => r.c.deadMan?.view().state === 'armed', 5000);
    r.h.refuseTopics.add('dcp.future');
    r.h.cut();
    await until('failing', () => r.c.deadMan?.view().state === 'failing', 5000);
    await r.c.deadMan?.stop(true);
    expect(r.said.filter((l) => l.startsWith('warn') && /stop|end|shut/i.test(l)).join('\n')).toMatch(/cancel/i);
  }, 15_000);

  it('an orderly end the venue acknowledges says nothing alarming', async () => {
    const r = await make({ deadMan: true });
    await until('armed', () => r.c.deadMan?.view().state === 'armed', 5000);
    const t = Date.now();
    await r.c.deadMan?.stop(true);
    expect(Date.now() - t).toBeLessThan(1500);
    expect(r.said.filter((l) => /at the end/.test(l))).toEqual([]);
  }, 15_000);
});
