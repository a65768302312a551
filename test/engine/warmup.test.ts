/** Warm-up in the engine core: history bars reach the strategy, observers are told, no order or cancel leaves. */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import type { Bar } from '../../src/domain/market.ts';
import type { Engine, EngineObserver } from '../../src/engine/engine.ts';
import { makeEngine } from '../../src/modes/parts.ts';
import { SimVenue } from '../../src/venues/sim/index.ts';
import { SeriesFeed } from '../../src/data/feed.ts';
import { barsFromCloses, config, partsFor } from './helpers.ts';

const EAGER = resolve(import.meta.dirname, '../venues/alpaca/fixtures/eager.ts');

describe('engine warm-up', () => {
  it('feeds history with order entry off: no order during warm-up, a full window on the first live bar', async () => {
    const closes = Array.from({ length: 30 }, (_, i) => 100 + (i % 5));
    const all = barsFromCloses('BTC-USD', closes);
    const history: Bar[] = all.slice(0, 25);
    const live: Bar[] = all.slice(25);
    const parts = await partsFor(EAGER, { lookback: 20 }, live);
    const cfg = config({ account: { cash: 100_000 } });
    const venue = new SimVenue({ instruments: parts.instruments, account: cfg.account });
    const seenWarm: number[] = [];
    const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
    const obs: EngineObserver = {
      onWarmup: (bars, e: Engine) => { seenWarm.push(bars.length); expect(e.isWarmingUp()).toBe(false); },
      onLog: (l) => { logs.push({ msg: l.message, ...(l.fields !== undefined ? { fields: l.fields } : {}) }); },
    };
    const engine = makeEngine(cfg, parts, venue, { observers: [obs], idPrefix: 't', warmup: () => history });
    engine.addFeed(new SeriesFeed(parts.series));
    engine.runToEnd();
    expect(seenWarm).toEqual([25]);
    const first = logs.find((l) => l.msg === 'first order');
    // 25 warm-up bars were seen and refused; the first live bar (the 26th seen) placed the order with a full window.
    expect(first?.fields).toMatchObject({ seen: 26, historyLen: 20, barTs: live[0]!.ts });
    expect(logs.filter((l) => l.msg.startsWith('warm-up:') && l.msg.includes('not placed'))).toHaveLength(25);
    const orders = [...engine.orders.all()];
    expect(orders).toHaveLength(1);
    expect(orders[0]!.request.qty).toBe(0.02);
  });
});
