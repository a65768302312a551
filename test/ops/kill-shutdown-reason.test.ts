/**
 * L4 shutdown says L4 everywhere: the trading state's reason (what `parity ctl status` and the
 * replay's last frame show) names the shutdown, not the L3 flatten it went through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Rig, makeRig } from './rig.ts';

const rigs: Rig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.stop(); });

describe('kill switch L4 shutdown', () => {
  it('holds trading with an L4 reason, not the L3 flatten it passed through', async () => {
    const r = await makeRig();
    rigs.push(r);
    await r.bars(0, [100]);
    r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 1 });
    await r.bars(1, [101, 102]);
    const res = await r.ops.bus.dispatch({ command: 'shutdown', by: 'ctl' });
    expect(res.level).toBe(4);
    expect(r.ops.kill.level()).toBe(4);
    const st = r.engine.tradingState();
    expect(st.status).toBe('paused');
    expect(st.reason).toMatch(/L4 shut down \(shutdown by ctl\)/);
    expect(st.reason).not.toMatch(/L3|flattened/);
  });
});
