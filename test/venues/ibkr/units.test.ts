import { describe, expect, it } from 'vitest';
import { resolveIdentity, portIdentity } from '../../../src/venues/ibkr/identity.ts';
import { IB_MESSAGE_TABLE, ruleOf, stateOf10148, describeMessage } from '../../../src/venues/ibkr/error-codes.ts';
import { backoffDelay } from '../../../src/venues/ibkr/backoff.ts';
import { IdMap, OrderIdAllocator, ORDER_IDS_FILE } from '../../../src/venues/ibkr/order-ids.ts';
import { replacedRequest } from '../../../src/risk/admission.ts';
import { requestFromIb, statusFromIb, toContract, toIbOrder } from '../../../src/venues/ibkr/translate.ts';
import { WireCommission, WireContract, WireExecution, WireOrder, parseIbTime } from '../../../src/venues/ibkr/wire.ts';
import { MemoryFileSystem } from '../../../src/util/memory-file-system.ts';
import { makeInstrument } from '../../../src/domain/instrument.ts';

describe('paper / live identity', () => {
  it('paper ports with a DU account are paper', () => {
    expect(resolveIdentity({ port: 4002, managedAccounts: ['DU123'], live: false })).toEqual({ account: 'DU123', live: false });
    expect(resolveIdentity({ port: 7497, managedAccounts: ['DU9'], live: false }).live).toBe(false);
  });
  it('live ports with a live account and --live are live', () => {
    expect(resolveIdentity({ port: 4001, managedAccounts: ['U777'], live: true })).toEqual({ account: 'U777', live: true });
    expect(resolveIdentity({ port: 7496, managedAccounts: ['U777'], live: true }).live).toBe(true);
  });
  it('a paper port with a live account refuses, naming both', () => {
    expect(() => resolveIdentity({ port: 4002, managedAccounts: ['U777'], live: false })).toThrow(/port 4002 is IB Gateway paper but account U777 is a live account/);
    expect(() => resolveIdentity({ port: 7497, managedAccounts: ['U777'], live: true })).toThrow(/port 7497 is TWS paper/);
  });
  it('a live port with a paper account refuses', () => {
    expect(() => resolveIdentity({ port: 7496, managedAccounts: ['DU1'], live: false })).toThrow(/port 7496 is TWS live but account DU1 is a paper account/);
  });
  it('the mode must agree with the account: --live on paper, or a live account without --live', () => {
    expect(() => resolveIdentity({ port: 4002, managedAccounts: ['DU1'], live: true })).toThrow(/--live but account DU1 is a paper account/);
    expect(() => resolveIdentity({ port: 4001, managedAccounts: ['U1'], live: false })).toThrow(/without --live/);
  });
  it('a DF paper advisor master is paper too', () => {
    expect(resolveIdentity({ port: 4002, managedAccounts: ['DF123'], live: false })).toEqual({ account: 'DF123', live: false });
    expect(() => resolveIdentity({ port: 4001, managedAccounts: ['DF123'], live: true })).toThrow(/paper account/);
  });
  it('on another port the account prefix decides', () => {
    expect(portIdentity(7000)).toBeNull();
    expect(resolveIdentity({ port: 7000, managedAccounts: ['DU5'], live: false }).live).toBe(false);
    expect(resolveIdentity({ port: 7000, managedAccounts: ['U5'], live: true }).live).toBe(true);
    expect(() => resolveIdentity({ port: 7000, managedAccounts: ['U5'], live: false })).toThrow(/live \(real money\) account/);
  });
  it('several accounts need --account, which must be one of them', () => {
    expect(() => resolveIdentity({ port: 4002, managedAccounts: ['DU1', 'DU2'], live: false })).toThrow(/pass --account/);
    expect(resolveIdentity({ port: 4002, managedAccounts: ['DU1', 'DU2'], account: 'du2', live: false }).account).toBe('DU2');
    expect(() => resolveIdentity({ port: 4002, managedAccounts: ['DU1'], account: 'DU3', live: false })).toThrow(/not managed by this login/);
    expect(() => resolveIdentity({ port: 4002, managedAccounts: [], live: false })).toThrow(/no managed accounts/);
  });
});

describe('the message-code table', () => {
  it('classifies every code the issue names', () => {
    const kinds: Record<number, string> = {
      1100: 'link-lost', 2110: 'link-lost', 1101: 'link-restored-data-lost', 1102: 'link-restored-data-kept',
      2103: 'farm-broken', 2105: 'farm-broken', 2104: 'farm-ok', 2106: 'farm-ok', 2158: 'farm-ok',
      201: 'order-rejected', 202: 'order-canceled', 399: 'order-warning', 10147: 'cancel-not-found', 10148: 'cancel-refused',
      502: 'no-connection', 504: 'no-connection', 326: 'client-id-in-use', 200: 'no-security', 354: 'market-data-permission',
      10167: 'market-data-permission', 162: 'pacing',
    };
    for (const [code, kind] of Object.entries(kinds)) expect(ruleOf(Number(code)).kind, `code ${code}`).toBe(kind);
    expect(Object.keys(IB_MESSAGE_TABLE).length).toBe(Object.keys(kinds).length);
    for (const r of Object.values(IB_MESSAGE_TABLE)) { expect(r.meaning).not.toBe(''); expect(r.action).not.toBe(''); }
  });
  it('unknown codes are other; 21xx information is info level', () => {
    expect(ruleOf(9999).kind).toBe('other');
    expect(ruleOf(2119).level).toBe('info');
  });
  it('326 and 502 say the remedy', () => {
    expect(describeMessage(326, 'Unable to connect as the client id is already in use.')).toMatch(/--ib-client-id/);
    expect(describeMessage(502, "Couldn't connect to TWS.")).toMatch(/ActiveX and Socket Clients/);
  });
  it('10148 names the state the order is in', () => {
    expect(stateOf10148('OrderId 12 that needs to be cancelled cannot be cancelled, state: Filled.')).toBe('Filled');
    expect(stateOf10148('cannot be cancelled, state:Cancelled')).toBe('Cancelled');
    expect(stateOf10148('cannot be cancelled')).toBeNull();
  });
});

describe('reconnect backoff', () => {
  it('doubles up to the cap with equal jitter', () => {
    const o = { initialMs: 1000, maxMs: 30_000 };
    expect(backoffDelay(0, { ...o, random: () => 0 })).toBe(500);
    expect(backoffDelay(0, { ...o, random: () => 0.999999 })).toBe(1000);
    expect(backoffDelay(1, { ...o, random: () => 0 })).toBe(1000);
    expect(backoffDelay(3, { ...o, random: () => 0.5 })).toBe(6000);
    expect(backoffDelay(10, { ...o, random: () => 1 })).toBe(30_000);
    expect(backoffDelay(100, { ...o, random: () => 0 })).toBe(15_000);
  });
  it('a broken random never gives zero or NaN', () => {
    expect(backoffDelay(0, { initialMs: 1000, maxMs: 5000, random: () => Number.NaN })).toBe(750);
  });
});

describe('IB order ids', () => {
  it('are never reused across restarts: the high-water mark is on disk before an id leaves', () => {
    const fs = new MemoryFileSystem();
    const a = new OrderIdAllocator({ fs, dir: '/s', block: 10 });
    a.observeNextValid(1);
    const first = [a.next(), a.next(), a.next()];
    expect(first).toEqual([1, 2, 3]);
    fs.powerCut();
    const b = new OrderIdAllocator({ fs, dir: '/s', block: 10 });
    b.observeNextValid(1); // a TWS that forgot (a paper reset) still gets fresh ids
    const second = b.next();
    expect(second).toBeGreaterThan(3);
    expect(second).toBe(11);
  });
  it('start from nextValidId when it is higher, and skip ids seen in use', () => {
    const fs = new MemoryFileSystem();
    const a = new OrderIdAllocator({ fs, dir: '/s' });
    a.observeNextValid(500);
    expect(a.next()).toBe(500);
    a.observeUsed(700);
    expect(a.next()).toBe(701);
    expect(a.reservedThrough).toBeGreaterThanOrEqual(701);
  });
  it('an unreadable file stops the start with what to do', () => {
    const fs = new MemoryFileSystem();
    fs.mkdir('/s');
    const h = fs.open(`/s/${ORDER_IDS_FILE}`, 'write');
    h.write('garbage');
    h.sync();
    h.close();
    expect(() => new OrderIdAllocator({ fs, dir: '/s' })).toThrow(/never be reused/);
  });
  it('the id map follows a re-mapping', () => {
    const m = new IdMap();
    m.set(5, 'a');
    m.set(6, 'a');
    expect(m.cidOf(5)).toBeUndefined();
    expect(m.ibOf('a')).toBe(6);
  });
});

describe('contract and order translation', () => {
  const aapl = makeInstrument('AAPL', 'ibkr', { assetClass: 'equity' });
  it('stocks on SMART by default; the spec pins exchange, primary exchange and currency', () => {
    expect(toContract(aapl, 'SMART')).toEqual({ symbol: 'AAPL', secType: 'STK', exchange: 'SMART', currency: 'USD' });
    expect(toContract(aapl, 'SMART', { exchange: 'ISLAND', primaryExchange: 'NASDAQ', currency: 'USD', conId: 265598 }))
      .toEqual({ symbol: 'AAPL', secType: 'STK', exchange: 'ISLAND', currency: 'USD', primaryExch: 'NASDAQ', conId: 265598 });
    expect(() => toContract(makeInstrument('BTC-USD', 'ibkr'), 'SMART')).toThrow(/stocks and ETFs/);
  });
  it('MKT, LMT, STP, STP LMT with DAY / GTC / IOC and our id in orderRef', () => {
    const ref = { orderRef: 'cid-1', account: 'DU1' };
    expect(toIbOrder({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'market' }, ref)).toMatchObject({ action: 'BUY', totalQuantity: 10, orderType: 'MKT', tif: 'DAY', orderRef: 'cid-1', account: 'DU1' });
    expect(toIbOrder({ symbol: 'AAPL', side: 'sell', qty: 1, type: 'limit', limitPrice: 101.1, tif: 'gtc' }, ref)).toMatchObject({ action: 'SELL', orderType: 'LMT', lmtPrice: 101.1, tif: 'GTC' });
    expect(toIbOrder({ symbol: 'AAPL', side: 'sell', qty: 1, type: 'stop', stopPrice: 99, tif: 'ioc' }, ref)).toMatchObject({ orderType: 'STP', auxPrice: 99, tif: 'IOC' });
    const sl = toIbOrder({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'stop_limit', stopPrice: 99, limitPrice: 99.5 }, ref);
    expect(sl).toMatchObject({ orderType: 'STP LMT', auxPrice: 99, lmtPrice: 99.5 });
    expect(() => toIbOrder({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', tif: 'fok' }, ref)).toThrow(/not offered/);
  });
  it('round-trips through what TWS says back', () => {
    const req = { symbol: 'AAPL', side: 'buy', qty: 3, type: 'stop_limit', stopPrice: 9, limitPrice: 9.5, tif: 'gtc' } as const;
    const o = WireOrder.parse(toIbOrder(req, { orderRef: 'x', account: 'DU1' }));
    expect(requestFromIb(WireContract.parse({ symbol: 'AAPL' }), o)).toEqual(req);
    expect(replacedRequest(req, { limitPrice: 9.7 })).toEqual({ ...req, limitPrice: 9.7 });
  });
  it('statuses', () => {
    expect(statusFromIb('Submitted', 0)).toBe('accepted');
    expect(statusFromIb('Submitted', 2)).toBe('partially_filled');
    expect(statusFromIb('Filled', 5)).toBe('filled');
    expect(statusFromIb('Cancelled', 0)).toBe('canceled');
    expect(statusFromIb('Inactive', 0)).toBe('rejected');
    expect(statusFromIb('PendingSubmit', 0)).toBe('pending');
  });
});

describe('SDK payloads', () => {
  it('unset doubles (Number.MAX_VALUE) are undefined', () => {
    expect(WireOrder.parse({ orderType: 'MKT', lmtPrice: Number.MAX_VALUE, totalQuantity: 5 }).lmtPrice).toBeUndefined();
  });
  it('an execution without an id or a positive quantity is refused', () => {
    expect(WireExecution.safeParse({ execId: '', shares: 1, price: 1 }).success).toBe(false);
    expect(WireExecution.safeParse({ execId: 'e1', shares: 0, price: 1 }).success).toBe(false);
    expect(WireExecution.parse({ execId: 'e1', shares: '2', price: 10.5, orderRef: 'c' }).shares).toBe(2);
    // The SDK's unset double is no price.
    expect(WireExecution.safeParse({ execId: 'e1', shares: 1, price: 1e308 }).success).toBe(false);
    expect(WireCommission.parse({ execId: 'e1', commission: 1.0, currency: 'USD' }).commission).toBe(1);
  });
  it('execution times in the formats TWS writes', () => {
    expect(parseIbTime('20261202-14:30:05')).toBe(Date.UTC(2026, 11, 2, 14, 30, 5));
    expect(parseIbTime('20261202  14:30:05')).toBe(Date.UTC(2026, 11, 2, 14, 30, 5));
    expect(parseIbTime('20261202 09:30:00 US/Eastern')).toBe(Date.UTC(2026, 11, 2, 14, 30, 0));
    expect(parseIbTime('20260701 09:30:00 America/New_York')).toBe(Date.UTC(2026, 6, 1, 13, 30, 0));
    expect(parseIbTime('1764685805')).toBe(1764685805000);
    expect(parseIbTime('yesterday')).toBeNull();
  });
});
