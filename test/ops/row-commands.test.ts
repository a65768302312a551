/** Per-row commands (issue 10 item 6): cancel one order, close one position; no kill level changes. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Rig, makeRig } from './rig.ts';

const rigs: Rig[] = [];
const rig = async (...a: Parameters<typeof makeRig>) => { const r = await makeRig(...a); rigs.push(r); return r; };
afterEach(async () => { for (const r of rigs.splice(0)) await r.stop(); });

describe('cancel-order / close-position', () => {
  it('cancels just the one order, the venue confirms, trading stays active', async () => {
    const r = await rig();
    await r.bars(0, [100]);
    const a = r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 50, qty: 1 });
    const b = r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 51, qty: 1 });
    await r.bars(1, [100]);
    const res = await r.ops.bus.dispatch({ command: 'cancel-order', by: 'test', args: [a] });
    expect(res.ok).toBe(true);
    expect(res.message).toMatch(/canceled/);
    expect(r.engine.orders.get(a)!.status).toBe('canceled');
    expect(r.engine.orders.get(b)!.status).toBe('accepted');
    expect(r.ops.kill.level()).toBe(0);
    expect(r.engine.tradingState().status).toBe('active');
    const again = await r.ops.bus.dispatch({ command: 'cancel-order', by: 'test', args: [a] });
    expect(again.ok).toBe(false);
    expect(again.message).toMatch(/already canceled/);
    expect((await r.ops.bus.dispatch({ command: 'cancel-order', by: 'test' })).message).toMatch(/usage/);
  });

  it('closes one position with the flatten rule', async () => {
    const r = await rig();
    await r.bars(0, [100]);
    r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 2 });
    await r.bars(1, [101]);
    expect(r.engine.portfolio.qty('BTC-USD')).toBe(2);
    const done = r.ops.bus.dispatch({ command: 'close-position', by: 'test', args: ['BTC-USD'] });
    await r.bars(2, [102]);
    const res = await done;
    expect(res.ok).toBe(true);
    expect(r.engine.portfolio.qty('BTC-USD')).toBe(0);
    expect(r.ops.kill.level()).toBe(0);
    expect((await r.ops.bus.dispatch({ command: 'close-position', by: 'test', args: ['BTC-USD'] })).message).toMatch(/no open position/);
  });
});
