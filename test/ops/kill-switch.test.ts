import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeInstrument } from '../../src/domain/instrument.ts';
import type { ExecutionClient } from '../../src/ports/index.ts';
import { flattenOrder } from '../../src/risk/flatten.ts';
import { SIM_CAPABILITIES_BASE } from '../../src/venues/sim/sim-venue.ts';
import { type Rig, makeRig, until } from './rig.ts';

const rigs: Rig[] = [];
const rig = async (...a: Parameters<typeof makeRig>) => { const r = await makeRig(...a); rigs.push(r); return r; };
afterEach(async () => { for (const r of rigs.splice(0)) await r.stop(); });

const openIds = (r: Rig) => [...r.engine.orders.openOrders()].map((o) => o.clientOrderId);

describe('kill switch', () => {
  it('L1 pause denies new exposure but lets exits through; p again resumes', async () => {
    const r = await rig();
    await r.bars(0, [100]);
    r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 1 });
    await r.bars(1, [101, 102]);
    expect(r.engine.portfolio.qty('BTC-USD')).toBe(1);
    const res = await r.ops.bus.dispatch({ command: 'pause', by: 'test' });
    expect(res.ok).toBe(true);
    expect(r.engine.tradingState().status).toBe('paused');
    const add = r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 1 });
    expect(r.engine.orders.get(add)!.status).toBe('denied');
    expect(r.engine.orders.get(add)!.reason).toMatch(/paused/);
    const exit = r.ctx().submit({ symbol: 'BTC-USD', side: 'sell', type: 'market', qty: 1 });
    expect(r.engine.orders.get(exit)!.status).not.toBe('denied');
    const back = await r.ops.bus.dispatch({ command: 'resume', by: 'test' });
    expect(back.ok).toBe(true);
    expect(r.engine.tradingState().status).toBe('active');
    expect(r.ops.kill.level()).toBe(0);
  });

  it('L2 cancels every open order of parity, never an external one, and waits for the venue', async () => {
    const r = await rig();
    await r.bars(0, [100]);
    for (let i = 0; i < 5; i++) r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 50 + i, qty: 0.1 });
    const ext = r.engine.orders.create('EXT1', { symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 40, qty: 1 }, r.engine.now(), true);
    r.engine.orders.apply(ext, 'submit', r.engine.now());
    r.engine.orders.apply(ext, 'accept', r.engine.now());
    await r.bars(1, [100]);
    expect(openIds(r)).toHaveLength(6);
    const res = await r.ops.bus.dispatch({ command: 'cancel-all', by: 'test' });
    expect(res.ok).toBe(true);
    expect(res.message).toMatch(/canceled 5 order/);
    expect(openIds(r)).toEqual(['EXT1']);
    expect(r.venue.snapshot().orders).toHaveLength(0);
    expect(r.ops.kill.level()).toBe(2);
    expect(r.engine.tradingState().status).toBe('paused');
  });

  it('L3 flattens every position with reduce-only market orders and reports flat', async () => {
    const r = await rig();
    await r.bars(0, [100]);
    r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 2 });
    r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 10, qty: 1 });
    await r.bars(1, [101]);
    expect(r.engine.portfolio.qty('BTC-USD')).toBe(2);
    const p = r.ops.bus.dispatch({ command: 'flatten', by: 'test' });
    await until(() => r.ops.kill.progress()?.detail.startsWith('closing') === true, 2000, 'flatten order sent');
    await r.bars(2, [102]);
    const res = await p;
    expect(res.ok).toBe(true);
    expect(r.engine.portfolio.qty('BTC-USD')).toBe(0);
    expect(openIds(r)).toEqual([]);
    expect(r.venue.snapshot().positions.filter((x) => x.qty !== 0)).toEqual([]);
    expect(r.ops.kill.level()).toBe(3);
    const flat = [...r.engine.orders.all()].find((o) => o.request.tag === 'flatten')!;
    expect(flat.request).toMatchObject({ type: 'market', side: 'sell', qty: 2, reduceOnly: true });
  });

  it('says plainly when the venue does not confirm in time', async () => {
    // A venue that swallows cancels: the order never leaves the pending_cancel state.
    const r = await rig({ confirmTimeoutMs: 300, execution: (v) => ({ ...bindAll(v), cancel: () => {} }) });
    await r.bars(0, [100]);
    r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 50, qty: 1 });
    await r.bars(1, [100]);
    const res = await r.ops.bus.dispatch({ command: 'cancel-all', by: 'test' });
    expect(res.ok).toBe(false);
    expect(res.message).toMatch(/did not complete within/);
    expect(res.incomplete.join()).toMatch(/pending_cancel/);
    expect(r.ops.kill.progress()!.state).toBe('incomplete');
  });

  it('persists the level: a restarted session comes back paused until an explicit resume', async () => {
    const r1 = await rig();
    await r1.bars(0, [100]);
    await r1.ops.bus.dispatch({ command: 'cancel-all', by: 'test' });
    const file = join(r1.ops.stateDir, 'kill-switch.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).level).toBe(2);
    await r1.stop();
    rigs.splice(rigs.indexOf(r1), 1);
    const r2 = await rig({ stateRoot: r1.stateRoot, handlers: { onBar: (b, ctx) => { if (b.ts === b.ts) ctx.submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 0.1 }); } } });
    expect(r2.ops.kill.level()).toBe(2);
    expect(r2.engine.tradingState().status).toBe('paused');
    await r2.bars(0, [100, 101]);
    expect([...r2.engine.orders.all()].every((o) => o.status === 'denied')).toBe(true);
    await r2.ops.bus.dispatch({ command: 'resume', by: 'test' });
    expect(JSON.parse(readFileSync(file, 'utf8')).level).toBe(0);
    expect(r2.engine.tradingState().status).toBe('active');
  });

  it('latches a halt the engine made by itself (loss limit) and persists it', async () => {
    const r = await rig();
    await r.bars(0, [100]);
    r.engine.setTradingState('halted', 'daily loss limit breached');
    expect(r.ops.kill.level()).toBe(1);
    expect(existsSync(join(r.ops.stateDir, 'kill-switch.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(r.ops.stateDir, 'kill-switch.json'), 'utf8')).reason).toMatch(/daily loss/);
    // Something else flipping the engine back to active does not lift our holds.
    r.engine.setTradingState('active', 'someone else');
    expect(r.engine.tradingState().status).not.toBe('active');
    // A loss-limit halt lifts only on a confirmed resume (issue 10 item 5; test/ops/resume-confirm.test.ts).
    expect((await r.ops.bus.dispatch({ command: 'resume', by: 'test' })).ok).toBe(false);
    await r.ops.bus.dispatch({ command: 'resume', by: 'test', args: ['--confirm'] });
    expect(r.engine.tradingState().status).toBe('active');
  });
});

describe('flattenOrder', () => {
  const AAPL = makeInstrument('AAPL', 'sim');
  const caps = { ...SIM_CAPABILITIES_BASE, shorting: false };
  const TUE_11_NY = Date.UTC(2024, 0, 2, 16, 0); // 11:00 EST
  const TUE_20_NY = Date.UTC(2024, 0, 3, 1, 0); // 20:00 EST, after the close

  it('uses a market order in regular hours', () => {
    expect(flattenOrder({ symbol: 'AAPL', qty: 10 }, AAPL, TUE_11_NY, 190, caps, 0.05)).toMatchObject({ type: 'market', side: 'sell', qty: 10 });
  });
  it('uses a marketable limit inside the collar outside regular hours', () => {
    const o = flattenOrder({ symbol: 'AAPL', qty: 10 }, AAPL, TUE_20_NY, 190, caps, 0.05);
    expect(o).toMatchObject({ type: 'limit', side: 'sell', limitPrice: 185.25 });
    const b = flattenOrder({ symbol: 'AAPL', qty: -10 }, AAPL, TUE_20_NY, 190, caps, 0.05);
    expect(b).toMatchObject({ type: 'limit', side: 'buy', limitPrice: 194.75, qty: 10 });
  });
  it('uses a limit where the venue takes no market orders, and refuses without a price', () => {
    const noMkt = { ...caps, orderTypes: ['limit'] as const };
    expect(flattenOrder({ symbol: 'AAPL', qty: 1 }, AAPL, TUE_11_NY, 100, noMkt as never, 0.1)).toMatchObject({ type: 'limit', limitPrice: 95 });
    expect(flattenOrder({ symbol: 'AAPL', qty: 1 }, AAPL, TUE_11_NY, undefined, noMkt as never, 0.1)).toMatch(/no last price/);
  });
});

function bindAll(v: ExecutionClient): ExecutionClient {
  return {
    venue: v.venue, capabilities: v.capabilities,
    connect: (s) => v.connect(s), submit: (c) => v.submit(c), cancel: (id, ts) => v.cancel(id, ts),
    replace: (id, ch, ts) => v.replace(id, ch, ts), onMarketData: (e) => v.onMarketData?.(e), disconnect: () => v.disconnect(),
  };
}
