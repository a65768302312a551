/**
 * The equity a replay shows after a market event is the equity the engine had once it handled that
 * event. A fill the venue made on a bar is recorded after the bar but happened before the engine
 * marked the position to the bar's close: the replay used to leave the fill price as the mark until
 * the next bar (tens of dollars off on the sample, and a wrong day start when it was a day's first bar).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineObserver } from '../../src/engine/engine.ts';
import { openRecording } from '../../src/recording/recording.ts';
import { cleanup, onlySession, paperConfig, recordSession, tempDir } from './helpers.ts';

describe('replay equity after each market event', () => {
  it('equals the engine equity once the event (and the fills it caused) was handled, at every bar of the sample', async () => {
    const root = tempDir('parity-equity-');
    try {
      const live: [number, number][] = [];
      const probe: EngineObserver = { onMarket: (ev, e) => { live.push([ev.ts, e.portfolio.equity()]); } };
      await recordSession(paperConfig(join(root, 'sessions')), [probe]);
      const rec = openRecording(onlySession(join(root, 'sessions')));
      let fillsOnBars = 0;
      const off: string[] = [];
      for (const [ts, eq] of live) {
        const i = rec.indexAtTime(ts); // the last event at the bar's time (one symbol)
        if (rec.kindOf(i) === 'order' || rec.kindOf(i) === 'fill') fillsOnBars++;
        if (Math.abs(rec.equityOf(i) - eq) > 1e-6) off.push(`${new Date(ts).toISOString()}: replay ${rec.equityOf(i)} engine ${eq}`);
      }
      expect(live.length).toBe(4320);
      expect(fillsOnBars).toBeGreaterThan(0);
      expect(off).toEqual([]);
    } finally { cleanup(root); }
  }, 60_000);
});
