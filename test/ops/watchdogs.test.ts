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

describe('venue watchdog before the first connect', () => {
  it('does not pause while the venue is still connecting for the first time; pauses once it drops after being up', async () => {
    const { Watchdogs } = await import('../../src/ops/watchdogs.ts');
    const { ManualScheduler } = await import('../../src/ports/scheduler.ts');
    const s = new ManualScheduler(0);
    let state: 'connecting' | 'connected' | 'disconnected' = 'connecting';
    const holds: string[] = [];
    const engine = {
      isStopped: () => false, scheduler: s, log: () => undefined,
      execution: { connection: () => ({ state, lastHeartbeat: s.now() }) },
    };
    const guard = { has: (k: string) => holds.includes(k), hold: (k: string) => { holds.push(k); } };
    const w = new Watchdogs({ engine: engine as never, guard: guard as never, realtime: false, intervalMs: 1000, wallNow: () => s.now() });
    w.start();
    // A slow first connect (a venue whose connect makes many REST calls): not a lost venue.
    await s.advance(5000);
    expect(holds).toEqual([]);
    state = 'connected';
    await s.advance(1000);
    state = 'disconnected';
    await s.advance(1000);
    expect(holds).toEqual(['watchdog:heartbeat']);
    w.stop();
  });

  it('a first connect that says what is wrong (a stream down, a login refused) pauses at once', async () => {
    const { Watchdogs } = await import('../../src/ops/watchdogs.ts');
    const { ManualScheduler } = await import('../../src/ports/scheduler.ts');
    const s = new ManualScheduler(0);
    const holds: string[] = [];
    const engine = {
      isStopped: () => false, scheduler: s, log: () => undefined,
      execution: { connection: () => ({ state: 'connecting', lastHeartbeat: s.now(), detail: 'orders websocket: the venue refused the login' }) },
    };
    const guard = { has: (k: string) => holds.includes(k), hold: (k: string) => { holds.push(k); } };
    const w = new Watchdogs({ engine: engine as never, guard: guard as never, realtime: false, intervalMs: 1000, wallNow: () => s.now() });
    w.start();
    await s.advance(1000);
    expect(holds).toEqual(['watchdog:heartbeat']);
    w.stop();
  });
});
