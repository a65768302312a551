/** The TWS fake's account, reference and market data answers, and its strictness, via the real SDK. */
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, filter } from 'rxjs';
import { EventName, IBApiNext, type BarSizeSetting, type Contract, type ContractDetails, type Order, type WhatToShow } from '@stoqey/ib';
import { MIN, RawClient, T0, order, rig, sleep, stk, type Rig } from './tws-helpers.ts';

let r: Rig | null = null;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const x of raws.splice(0)) x.close();
  if (r !== null) {
    for (const c of r.clients) expect(c.layoutErrors()).toEqual([]);
    await r.close();
    r = null;
  }
});

const bar = (symbol: string, i: number, close: number) => ({ symbol, ts: T0 + i * MIN, open: close, high: close + 1, low: close - 1, close, volume: 100 + i });

describe('TWS fake: account, contracts, market data (real @stoqey/ib SDK)', () => {
  it('positions, account summary net of commissions, current time', async () => {
    r = await rig({ cash: 50_000 });
    const c = await r.client().connect(1);
    const id = c.nextValidId!;
    c.ib.placeOrder(id, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'MKT' as Order['orderType'], totalQuantity: 10 }));
    await c.once(EventName.orderStatus);
    r.fake.admin.pushBar(bar('AAPL', 0, 100));
    await c.once(EventName.commissionReport);
    const pos = await c.collect<[string, Contract, number, number]>(EventName.position, EventName.positionEnd, () => c.ib.reqPositions());
    expect(pos.map(([acct, ct, q, avg]) => [acct, ct.symbol, ct.secType, q, avg])).toEqual([['DU1234567', 'AAPL', 'STK', 10, 100]]);
    expect(pos[0]![1].conId).toBeGreaterThan(0);
    // A position message follows each fill while subscribed.
    const update = c.once<[string, Contract, number, number]>(EventName.position);
    c.ib.placeOrder(id + 1, stk('AAPL'), order({ action: 'SELL' as Order['action'], orderType: 'MKT' as Order['orderType'], totalQuantity: 4 }));
    await c.once(EventName.orderStatus, (oid) => oid === id + 1);
    r.fake.admin.pushBar(bar('AAPL', 1, 110));
    expect((await update)[2]).toBe(6);

    const rows = await c.collect<[number, string, string, string, string]>(EventName.accountSummary, EventName.accountSummaryEnd,
      () => c.ib.reqAccountSummary(5, 'All', 'NetLiquidation,TotalCashValue,BuyingPower,AccountType,GrossPositionValue,NoSuchTag'), (rid) => rid === 5);
    const tags = Object.fromEntries(rows.map(([rid, acct, tag, value, ccy]) => [tag, { rid, acct, value, ccy }]));
    expect(Object.keys(tags).sort()).toEqual(['AccountType', 'BuyingPower', 'GrossPositionValue', 'NetLiquidation', 'TotalCashValue']);
    expect(tags.TotalCashValue).toEqual({ rid: 5, acct: 'DU1234567', value: (50_000 - 1000 + 440 - 2).toFixed(2), ccy: 'USD' });
    expect(tags.GrossPositionValue!.value).toBe((6 * 110).toFixed(2));
    expect(Number(tags.NetLiquidation!.value)).toBeCloseTo(50_000 - 1000 + 440 - 2 + 660, 2);

    const before = Math.floor(Date.now() / 1000);
    const t = c.once<[number]>(EventName.currentTime);
    c.ib.reqCurrentTime();
    const [sec] = await t;
    expect(sec).toBeGreaterThanOrEqual(before - 1);
    expect(sec).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
  });

  it('contract details: STK on SMART with primary exchange, currency, its own conId; unknown symbol 200', async () => {
    r = await rig({ symbols: ['AAPL', 'IBM', 'BTC-USD'] });
    const c = await r.client().connect(1);
    const details = async (reqId: number, ct: Contract): Promise<ContractDetails[]> =>
      (await c.collect<[number, ContractDetails]>(EventName.contractDetails, EventName.contractDetailsEnd, () => c.ib.reqContractDetails(reqId, ct), (rid) => rid === reqId)).map(([, d]) => d);
    const [aapl] = await details(1, stk('AAPL'));
    expect(aapl!.contract).toMatchObject({ symbol: 'AAPL', secType: 'STK', exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' });
    expect(aapl!.minTick).toBe(0.01);
    const [ibm] = await details(2, stk('IBM'));
    expect(ibm!.contract.primaryExch).toBe('NYSE');
    expect(ibm!.contract.conId).not.toBe(aapl!.contract.conId);
    const [byId] = await details(3, { conId: aapl!.contract.conId, exchange: 'SMART' });
    expect(byId!.contract.symbol).toBe('AAPL');
    const [btc] = await details(4, { symbol: 'BTC', secType: 'CRYPTO' as Contract['secType'], exchange: 'PAXOS', currency: 'USD' });
    expect(btc!.contract).toMatchObject({ symbol: 'BTC', secType: 'CRYPTO', exchange: 'PAXOS' });
    c.ib.reqContractDetails(9, stk('NOPE'));
    expect((await c.error(200, 9)).message).toMatch(/No security definition/);
  });

  it('real-time bars from the replayed data, then historical bars of what was played (1 min, 5 mins, epoch dates)', async () => {
    const data = Array.from({ length: 10 }, (_, i) => bar('AAPL', i, 100 + i));
    r = await rig({ bars: data, speed: 60_000, startTime: undefined });
    const c = await r.client().connect(1);
    const seen: number[][] = [];
    c.ib.on(EventName.realtimeBar, (rid: number, time: number, o: number, h: number, l: number, cl: number, v: number, wap: number, n: number) => seen.push([rid, time, o, h, l, cl, v, wap, n]));
    c.ib.reqRealTimeBars(7, stk('AAPL'), 5, 'TRADES' as WhatToShow, false);
    for (let i = 0; i < 100 && seen.length < 120; i++) await sleep(20);
    // As TWS: 5-second bars, twelve a minute, which fold back into each one-minute data bar exactly.
    expect(seen.length).toBe(120);
    expect(seen.map((x) => x[1])).toEqual(Array.from({ length: 120 }, (_, k) => T0 / 1000 + 5 * k));
    for (let m = 0; m < 10; m++) {
      const part = seen.slice(12 * m, 12 * m + 12);
      const folded = [part[0]![2], Math.max(...part.map((x) => x[3]!)), Math.min(...part.map((x) => x[4]!)), part[11]![5], part.reduce((s, x) => s + x[6]!, 0)];
      expect(folded).toEqual([data[m]!.open, data[m]!.high, data[m]!.low, data[m]!.close, data[m]!.volume]);
      expect(part.every((x) => x[0] === 7 && x[3]! >= x[4]! && x[3]! >= Math.max(x[2]!, x[5]!) && x[4]! <= Math.min(x[2]!, x[5]!))).toBe(true);
    }

    type H = [number, string, number, number, number, number, number, number | undefined, number];
    const hist = async (reqId: number, size: string, fmt: number): Promise<H[]> =>
      (await c.collect<H>(EventName.historicalData, EventName.historicalData, () => c.ib.reqHistoricalData(reqId, stk('AAPL'), '', '1 D', size as BarSizeSetting, 'TRADES' as WhatToShow, 0, fmt, false),
        (rid, date) => rid === reqId && String(date).startsWith('finished'))).filter(([, d]) => !d.startsWith('finished'));
    const ones = await hist(20, '1 min', 1);
    expect(ones).toHaveLength(10);
    expect(ones[0]!.slice(1, 6)).toEqual(['20260302 14:31:00 UTC', 100, 101, 99, 100]);
    const fives = await hist(21, '5 mins', 2);
    // T0 is 14:31: buckets 14:30 (4 bars), 14:35 (5), 14:40 (1).
    expect(fives.map(([, d, o, h, l, cl, v, n]) => [Number(d) * 1000, o, h, l, cl, v, n])).toEqual([
      [T0 - MIN, 100, 104, 99, 103, 100 + 101 + 102 + 103, 4],
      [T0 + 4 * MIN, 104, 109, 103, 108, 104 + 105 + 106 + 107 + 108, 5],
      [T0 + 9 * MIN, 109, 110, 108, 109, 109, 1],
    ]);
    c.ib.reqHistoricalData(22, stk('AAPL'), '', '1 D', '1 secs' as BarSizeSetting, 'TRADES' as WhatToShow, 0, 1, false);
    expect((await c.error(162, 22)).message).toMatch(/bar size/);
    c.ib.reqHistoricalData(23, stk('ZZZ'), '', '1 D', '1 min' as BarSizeSetting, 'TRADES' as WhatToShow, 0, 1, false);
    await c.error(200, 23);
  });

  it('the shipped sample replays as a crypto contract (BTC on PAXOS) and trades', async () => {
    r = await rig({ data: ['data/sample/BTC-USD-1m.csv'], speed: 600_000, symbols: [], startTime: undefined });
    const c = await r.client().connect(1);
    const btc: Contract = { symbol: 'BTC', secType: 'CRYPTO' as Contract['secType'], exchange: 'PAXOS', currency: 'USD' };
    const first = c.once<[number, number, number]>(EventName.realtimeBar);
    c.ib.reqRealTimeBars(1, btc, 5, 'TRADES' as WhatToShow, false);
    await first;
    const id = c.nextValidId!;
    const exec = c.once(EventName.execDetails);
    c.ib.placeOrder(id, btc, order({ action: 'BUY' as Order['action'], orderType: 'MKT' as Order['orderType'], totalQuantity: 0.01, tif: 'GTC' as Order['tif'] }));
    const [, ct, e] = (await exec) as [number, Contract, { shares: number; side: string }];
    expect(ct.symbol).toBe('BTC');
    expect(e).toMatchObject({ shares: 0.01, side: 'BOT' });
  });

  it('IBApiNext (the SDK\'s observable API) works too: time, accounts, placeNewOrder, open orders, executions, positions', async () => {
    r = await rig();
    const ib = new IBApiNext({ host: '127.0.0.1', port: r.fake.port });
    const errors: number[] = [];
    ib.errorSubject.subscribe((e) => errors.push(e.code));
    try {
      ib.connect(5);
      await firstValueFrom(ib.connectionState.pipe(filter((s) => s === 2)));
      expect(await ib.getManagedAccounts()).toEqual(['DU1234567']);
      expect(await ib.getCurrentTime()).toBeGreaterThan(0);
      const id = await ib.placeNewOrder(stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 3, lmtPrice: 100, orderRef: 'nx' }));
      expect((await ib.getAllOpenOrders()).map((o) => [o.orderId, o.order.orderRef, o.orderState.status])).toEqual([[id, 'nx', 'Submitted']]);
      r.fake.admin.pushBar(bar('AAPL', 0, 100));
      await sleep(50);
      expect((await ib.getExecutionDetails({})).map((e) => [e.execution.orderId, e.execution.orderRef, e.execution.shares])).toEqual([[id, 'nx', 3]]);
      const pos = await firstValueFrom(ib.getPositions().pipe(filter((p) => p.all.size > 0)));
      expect(pos.all.get('DU1234567')!.map((p) => [p.contract.symbol, p.pos])).toEqual([['AAPL', 3]]);
      expect(errors.filter((c) => c === 505)).toEqual([]);
    } finally {
      ib.disconnect();
    }
  });

  it('strict: a malformed request is 320 naming the field, an unknown message 321, reqMktData 321; each is logged', async () => {
    r = await rig();
    const raw = await RawClient.open(r.fake.port);
    raws.push(raw);
    const hello = await raw.until(() => true);
    expect(hello[0]).toBe('193');
    expect(hello[1]).toMatch(/^\d{8} \d{2}:\d{2}:\d{2} UTC$/);
    raw.send([71, 2, 5, '']);
    await raw.until((m) => m[0] === '9');
    raw.send([49, 1, 'extra']);
    const e320 = await raw.until((m) => m[0] === '4' && m[3] === '320');
    expect(e320[4]).toMatch(/reqCurrentTime: 1 unexpected field/);
    raw.send([7, 3, 'notanumber', '', '', '', '', '', '', '']);
    expect((await raw.until((m) => m[0] === '4' && m[3] === '320' && m[4]!.includes('reqId')))[4]).toMatch(/reqId must be an integer/);
    raw.send([999, 1]);
    expect((await raw.until((m) => m[0] === '4' && m[3] === '321'))[4]).toMatch(/message id 999/);
    raw.send([1, 11, 77, 0, 'AAPL', 'STK', '', 0, '', '', 'SMART', '', 'USD', '', '', 0, '', 0, 0, '']);
    const mkt = await raw.until((m) => m[0] === '4' && m[3] === '321' && m[2] === '77');
    expect(mkt[4]).toMatch(/reqRealTimeBars/);
    // A placeOrder cut short names the order and the missing field.
    raw.send([3, 77, 0, 'AAPL']);
    const short = await raw.until((m) => m[0] === '4' && m[2] === '77' && m[3] === '320');
    expect(short[4]).toMatch(/placeOrder: missing field secType/);
    // A frame whose last field is not NUL-terminated.
    const body = Buffer.from('49\u00001');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    raw.sendBytes(Buffer.concat([len, body]));
    expect((await raw.until((m) => m[0] === '4' && m[3] === '320' && m[4]!.includes('NUL')))[4]).toMatch(/not NUL-terminated/);
    expect(r.logs.filter((l) => / error 32[01] /.test(l)).length).toBeGreaterThanOrEqual(5);
  });

  it('a client range without version 193 gets error 506 and a disconnect', async () => {
    r = await rig();
    const raw = await RawClient.open(r.fake.port, 'v100..150');
    raws.push(raw);
    const m = await raw.until((x) => x[0] === '4');
    expect(m.slice(0, 4)).toEqual(['4', '2', '-1', '506']);
    expect(await raw.waitClosed()).toBe(true);
    expect(r.logs.some((l) => l.includes('506'))).toBe(true);
  });
});
