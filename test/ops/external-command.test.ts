/** `parity ctl external <id> <adopt|cancel|leave>`: the operator's decision on an order the journal does not know. */
import { afterEach, describe, expect, it } from 'vitest';
import { makeRig, until, type Rig } from './rig.ts';

let r: Rig | null = null;
afterEach(async () => { await r?.stop(); r = null; });

const venueOrder = (id: string) => ({
  clientOrderId: id, venueOrderId: `V-${id}`, request: { symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 10, qty: 1, tif: 'gtc' } as const,
  status: 'accepted' as const, filledQty: 0, avgFillPrice: 0, createdAt: 0, updatedAt: 0,
});

describe('external orders through the command bus', () => {
  it('halts until each pending order has a decision; a bad request says how to ask', async () => {
    r = await makeRig();
    const e = r.engine;
    await new Promise<void>((res) => e.schedule(e.now(), () => { e.holdForExternal(venueOrder('abc123000001x'), true); e.holdForExternal(venueOrder('abc123000002x'), true); res(); }));
    expect(e.tradingState().status).toBe('halted');
    const bad = await r.ops.bus.dispatch({ command: 'external', by: 'test', args: ['abc123000001x', 'maybe'] });
    expect(bad).toMatchObject({ ok: false, message: expect.stringContaining('usage: external <client order id> <adopt|cancel|leave>') });
    const left = await r.ops.bus.dispatch({ command: 'external', by: 'test', args: ['abc123000001x', 'leave'] });
    expect(left).toMatchObject({ ok: true, message: 'abc123000001x: left alone' });
    expect(e.tradingState().status).toBe('halted');
    const adopted = await r.ops.bus.dispatch({ command: 'external', by: 'test', args: ['abc123000002x', 'adopt'] });
    expect(adopted.ok).toBe(true);
    await until(() => !e.tradingHolds().some((h) => h.key === 'external'), 1000, 'external hold lifted');
    expect(e.orders.get('abc123000002x')!.external).toBe(false);
    const again = await r.ops.bus.dispatch({ command: 'external', by: 'test', args: ['abc123000002x', 'leave'] });
    expect(again).toMatchObject({ ok: false, message: 'abc123000002x is not an external order' });
  });
});
