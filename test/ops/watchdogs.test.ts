import { afterEach, describe, expect, it } from 'vitest';
import { bar, makeRig, tick, type Rig } from './rig.ts';

let rig: Rig | null = null;
afterEach(async () => { await rig?.stop(); rig = null; });

describe('stale-data watchdog (real-time sessions)', () => {
  it('judges silence by arrival, not by the bars\' own (old) timestamps, and pauses with the reason', async () => {
    rig = await makeRig({ ops: { realtime: true, watchdog: { staleDataMs: 300, intervalMs: 50 } } });
    // Bars dated 2024 arriving now are fresh: a replaying venue is not stale for replaying the past.
    for (let k = 0; k < 4; k++) { await rig.bars(k, [100 + k]); await tick(60); }
    expect(rig.engine.tradingState()).toMatchObject({ status: 'active' });
    await tick(600); // then nothing arrives
    expect(rig.engine.tradingState()).toMatchObject({ status: 'paused' });
    expect(rig.engine.tradingState().reason).toMatch(/market data stale/);
  });
});
