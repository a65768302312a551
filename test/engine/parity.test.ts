import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fill } from '../../src/domain/fill.ts';
import { ConfigSchema } from '../../src/config/schema.ts';
import { runBacktest } from '../../src/modes/backtest.ts';
import { startPaper } from '../../src/modes/paper.ts';

// The product's promise in one test: the same strategy on the same data trades identically in a
// backtest and in a paper session (real-time loop, replay clock, session folder), fill for fill.
describe('backtest / paper parity', () => {
  it('a paper session on the sample data makes exactly the backtest fills', async () => {
    const sessionsDir = mkdtempSync(join(tmpdir(), 'parity-sessions-'));
    const config = ConfigSchema.parse({ run: { speed: 'max', sessionsDir }, venue: { commission: { model: 'bps', bps: 3 }, slippage: { kind: 'bps', bps: 1 } } });
    const bt = await runBacktest(config);
    const paperFills: Fill[] = [];
    const paper = await startPaper(config, [{ onFill: (f) => paperFills.push(f) }]);
    await paper.done;
    const strip = (fs: readonly Fill[]) => fs.map(({ clientOrderId: _id, execId: _e, ...rest }) => rest);
    expect(paperFills.length).toBeGreaterThan(10);
    expect(strip(paperFills)).toEqual(strip(bt.collector.fills()));
    expect(paper.engine.portfolio.equity()).toBe(bt.engine.portfolio.equity());
  }, 60_000);
});
