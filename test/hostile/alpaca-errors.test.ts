/**
 * REST misbehaviour against parity's Alpaca adapter: 429s with Retry-After, 422s, connections
 * reset mid-answer, a rejection after pending_new, positions in both spellings, strings of decimals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AlpacaFake } from './alpaca-fake.ts';
import { rig, reportsOf, until, type Rig } from './alpaca-harness.ts';

let r: Rig | null = null;
afterEach(async () => { await r?.close(); r = null; });

describe('hostile alpaca: REST', () => {
  it('a 429 with Retry-After on submit is waited out as told and the order is sent again, once accepted', async () => {
    r = await rig();
    r.fake.script('POST', /^\/v2\/orders$/, { status: 429, body: { code: 42910000, message: 'rate limit exceeded' }, headers: { 'Retry-After': '2' } }, 2);
    r.place('rl1', { symbol: 'AAPL', side: 'buy', qty: 3, type: 'limit', limitPrice: 10 });
    await until(() => reportsOf(r!, 'accepted', 'rl1').length === 1, 5000, 'accepted');
    expect(r.fake.requestsTo('POST', /^\/v2\/orders$/)).toHaveLength(3);
    expect(r.sleeps.slice(0, 2)).toEqual([2000, 2000]);
    expect([...r.fake.orders.values()].filter((o) => o.client_order_id === 'rl1')).toHaveLength(1);
    expect(reportsOf(r, 'rejected')).toHaveLength(0);
  });

  it('a 429 on cancel is retried after Retry-After; the cancel lands', async () => {
    r = await rig();
    r.place('rl2', { symbol: 'AAPL', side: 'buy', qty: 3, type: 'limit', limitPrice: 10 });
    await until(() => reportsOf(r!, 'accepted', 'rl2').length === 1, 5000, 'accepted');
    r.fake.mustOrder(r.fake.byClientId('rl2')!.id).status = 'new';
    r.fake.script('DELETE', /^\/v2\/orders\//, { status: 429, body: { code: 42910000, message: 'rate limit exceeded' }, headers: { 'Retry-After': '1' } });
    r.registry.apply(r.registry.get('rl2')!, 'cancel_request', Date.now());
    r.exec.cancel('rl2', Date.now());
    await until(() => r!.registry.get('rl2')!.status === 'canceled', 5000, 'canceled');
    expect(r.sleeps).toContain(1000);
    expect(r.fake.requestsTo('DELETE', /^\/v2\/orders\//)).toHaveLength(2);
  });

  it('a Retry-After far in the future does not park the order\'s commands for an hour', async () => {
    r = await rig();
    r.fake.script('POST', /^\/v2\/orders$/, { status: 429, body: { code: 42910000, message: 'rate limit exceeded' }, headers: { 'Retry-After': '3600' } });
    r.place('rl3', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' });
    await until(() => reportsOf(r!, 'accepted', 'rl3').length === 1, 5000, 'accepted');
    // A venue's hint is honoured up to a bound: a kill switch's cancel must not wait an hour behind it.
    expect(Math.max(...r.sleeps)).toBe(30_000);
  });

  it('a cancel of an order that filled meanwhile (422 from Alpaca) ends as a cancel reject, the fill stays', async () => {
    r = await rig();
    r.place('c422', { symbol: 'BTC-USD', side: 'buy', qty: 1, type: 'limit', limitPrice: 100 });
    await until(() => reportsOf(r!, 'accepted', 'c422').length === 1, 5000, 'accepted');
    const id = r.fake.byClientId('c422')!.id;
    r.fake.mustOrder(id).status = 'new';
    // The adapter asks where the order stands (working), then the fill wins the race to the DELETE.
    r.fake.script('DELETE', /^\/v2\/orders\//, { status: 422, body: { code: 42210000, message: 'order is already in "filled" state' } });
    r.registry.apply(r.registry.get('c422')!, 'cancel_request', Date.now());
    r.exec.cancel('c422', Date.now());
    r.fake.fill(id, '1', '100');
    await until(() => r!.registry.get('c422')!.status === 'filled', 5000, 'filled');
    await r.exec.idle();
    expect(r.registry.get('c422')!.filledQty).toBe(1);
    expect(r.registry.get('c422')!.flagged).toBeNull();
  });

  it('a submit whose answer is lost (the connection reset after the venue took it) is acknowledged once, never sent twice as two orders', async () => {
    r = await rig();
    r.fake.script('POST', /^\/v2\/orders$/, { landThenReset: true });
    r.place('rst1', { symbol: 'BTC-USD', side: 'sell', qty: 0.5, type: 'limit', limitPrice: 100 });
    await until(() => reportsOf(r!, 'accepted', 'rst1').length === 1, 5000, 'accepted');
    expect([...r.fake.orders.values()].filter((o) => o.client_order_id === 'rst1')).toHaveLength(1);
    expect(r.problems.some((p) => p.name === 'AlpacaNetworkError')).toBe(true);
  });

  it('an answer cut off mid-body is a typed network error and the order is found by its client id', async () => {
    r = await rig();
    r.fake.script('GET', /^\/v2\/orders:by_client_order_id$/, { reset: 'mid-body' });
    r.fake.script('POST', /^\/v2\/orders$/, { reset: 'mid-body' });
    r.place('rst2', { symbol: 'BTC-USD', side: 'buy', qty: 0.5, type: 'limit', limitPrice: 100 });
    await until(() => reportsOf(r!, 'accepted', 'rst2').length === 1 || reportsOf(r!, 'rejected', 'rst2').length === 1, 8000, 'an outcome');
    expect(reportsOf(r, 'accepted', 'rst2')).toHaveLength(1);
    expect(r.problems.every((p) => ['AlpacaNetworkError', 'AlpacaProtocolError', 'AlpacaApiError'].includes(p.name))).toBe(true);
  });

  it('an order the venue rejects after pending_new ends rejected (not stuck accepted)', async () => {
    r = await rig();
    r.place('rej1', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' });
    await until(() => reportsOf(r!, 'accepted', 'rej1').length === 1, 5000, 'accepted');
    const id = r.fake.byClientId('rej1')!.id;
    r.fake.push('pending_new', id);
    r.fake.end(id, 'rejected');
    await until(() => r!.registry.get('rej1')!.status === 'rejected', 5000, 'rejected');
  });

  it('positions as BTCUSD and as ETH/USD, decimals as long strings, a short as negative qty', async () => {
    r = await rig();
    r.fake.positions = [
      { asset_id: 'a1', symbol: 'BTCUSD', exchange: 'CRYPTO', asset_class: 'crypto', qty: '0.123456789012', qty_available: '0.123456789012', avg_entry_price: '43210.123456789', side: 'long', current_price: '43000.5', market_value: '5308.6' },
      { asset_id: 'a2', symbol: 'ETH/USD', exchange: 'CRYPTO', asset_class: 'crypto', qty: '2.000000001', avg_entry_price: '2500.0000000001', side: 'long' },
      { asset_id: 'a3', symbol: 'AAPL', exchange: 'NASDAQ', asset_class: 'us_equity', qty: '-17', avg_entry_price: '190.123', side: 'short' },
    ];
    const ps = await r.exec.queries.positions();
    expect(ps).toEqual([
      { symbol: 'BTC-USD', qty: 0.123456789012, avgPrice: 43210.123456789 },
      { symbol: 'ETH-USD', qty: 2.000000001, avgPrice: 2500.0000000001 },
      { symbol: 'AAPL', qty: -17, avgPrice: 190.123 },
    ]);
    // The by-symbol lookup finds the crypto position in either spelling.
    expect((await r.venue.rest.positionOf('BTC-USD'))?.qty).toBe(0.123456789012);
    expect((await r.venue.rest.positionOf('ETH-USD'))?.qty).toBe(2.000000001);
    const acct = await r.exec.queries.account();
    expect(acct.cash.USD).toBe(100000.000000001);
  });

  it('a short reported with a positive qty and side short is negative; a reduce-only buy may cover it', async () => {
    r = await rig();
    r.fake.positions = [{ symbol: 'AAPL', asset_class: 'us_equity', qty: '5', avg_entry_price: '1', side: 'short' }];
    expect((await r.exec.queries.positions())[0]!.qty).toBe(-5);
    r.place('ro1', { symbol: 'AAPL', side: 'buy', qty: 5, type: 'market', reduceOnly: true });
    await until(() => reportsOf(r!, 'accepted', 'ro1').length + reportsOf(r!, 'rejected', 'ro1').length > 0, 5000, 'an outcome');
    expect(reportsOf(r, 'accepted', 'ro1')).toHaveLength(1);
  });
});

describe('hostile alpaca: clocks', () => {
  it('with the venue\'s clock 2 s behind ours, a cancel retried after a reset in transit still ends canceled', async () => {
    const fake = await AlpacaFake.start();
    fake.skewMs = -2000;
    r = await rig({ fake });
    r.place('skew1', { symbol: 'BTC-USD', side: 'buy', qty: 1, type: 'limit', limitPrice: 100 });
    await until(() => reportsOf(r!, 'accepted', 'skew1').length === 1, 5000, 'accepted');
    r.fake.mustOrder(r.fake.byClientId('skew1')!.id).status = 'new';
    r.fake.script('DELETE', /^\/v2\/orders\//, { reset: 'before' });
    r.registry.apply(r.registry.get('skew1')!, 'cancel_request', Date.now());
    r.exec.cancel('skew1', Date.now());
    await until(() => reportsOf(r!, 'cancel_rejected', 'skew1').length === 1, 5000, 'transient cancel reject');
    expect(r.registry.get('skew1')!.status).toBe('accepted');
    // The engine retries the cancel; this time it lands and the venue says canceled (on its clock).
    r.registry.apply(r.registry.get('skew1')!, 'cancel_request', Date.now());
    r.exec.cancel('skew1', Date.now());
    await until(() => reportsOf(r!, 'canceled', 'skew1').length === 1, 5000, 'canceled report');
    expect(r.registry.get('skew1')!.status).toBe('canceled');
  });
});
