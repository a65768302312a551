// Budget: 20 s for this file on the 2-core CI machine (13 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
/**
 * A broken strategy fails loudly: a throw in a callback names the strategy's file and line (source
 * maps through tsx), is counted, stops a backtest with a non-zero exit by default, and with
 * `--on-error skip` runs on with the identical throws collapsed into one message and a count. In
 * paper / live the engine pauses trading with the reason (engine-level test below).
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parity, tempDir } from '../cli/helpers.ts';
import { Engine } from '../../src/engine/engine.ts';
import { SimVenue } from '../../src/venues/sim/index.ts';
import { SeriesFeed, seriesFromBars } from '../../src/data/index.ts';
import { buildInstruments } from '../../src/modes/instruments.ts';
import { DEFAULT_ACCOUNT } from '../../src/portfolio/portfolio.ts';
import { barsFromCloses } from '../engine/helpers.ts';

/** `n` one-minute bars of BTC-USD from 2024-01-01, gently rising. */
export function barsCsv(n: number, stepMs = 60_000): string {
  const rows = ['timestamp,open,high,low,close,volume'];
  for (let i = 0; i < n; i++) {
    const p = (100 + i * 0.1).toFixed(2);
    rows.push(`${new Date(Date.UTC(2024, 0, 1) + i * stepMs).toISOString()},${p},${p},${p},${p},10`);
  }
  return `${rows.join('\n')}\n`;
}

// Line 13 of this file is the throw (types before it: only source maps give the right line).
const THROWS_ON_BAR_5 = `import { defineStrategy, z } from 'parity';

interface Counter {
  n: number;
}

export default defineStrategy({
  name: 'throws',
  params: z.object({}),
  create() {
    const c: Counter = { n: 0 };
    return {
      onBar(_bar, _ctx) { c.n++; if (c.n >= 5) throw new Error('bad bar ' + c.n); },
    };
  },
});
`;

function setup(): { dir: string; strategy: string; data: string } {
  const dir = tempDir('parity-strat-err-');
  const strategy = join(dir, 'throws.ts');
  writeFileSync(strategy, THROWS_ON_BAR_5);
  const data = join(dir, 'BTC-USD-1m.csv');
  writeFileSync(data, barsCsv(50));
  return { dir, strategy, data };
}

describe('a strategy that throws (CLI)', () => {
  it('stops the backtest by default, exit non-zero, naming the strategy file:line', () => {
    const { strategy, data } = setup();
    const r = parity(['backtest', '-s', strategy, '-d', data]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${strategy}:13:`);
    expect(r.stderr).toMatch(/bad bar 5/);
    expect(r.stderr).toMatch(/--on-error skip/);
    expect(r.stderr).not.toMatch(/unexpected error/);
  });

  it('--json on a stopped run still reports the counts, and exits non-zero', () => {
    const { strategy, data } = setup();
    const r = parity(['backtest', '-s', strategy, '-d', data, '--json']);
    expect(r.code).not.toBe(0);
    const j = JSON.parse(r.stdout) as { errors: number; completed: boolean };
    expect(j.errors).toBe(1);
    expect(j.completed).toBe(false);
  });

  it('--on-error skip completes, counts every throw and prints one collapsed message', () => {
    const { strategy, data } = setup();
    const r = parity(['backtest', '-s', strategy, '-d', data, '--on-error', 'skip', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { errors: number; rejections: number; denials: number; completed: boolean };
    expect(j.errors).toBe(46);
    expect(j.rejections).toBe(0);
    expect(j.denials).toBe(0);
    expect(j.completed).toBe(true);
    const mentions = r.stderr.split('\n').filter((l) => l.includes('bad bar'));
    expect(mentions).toHaveLength(1);
    expect(r.stderr).toContain(`${strategy}:13:`);
    expect(r.stderr).toMatch(/46 times/);
  });

  it('the human summary shows the error count when there were errors', () => {
    const { strategy, data } = setup();
    const r = parity(['backtest', '-s', strategy, '-d', data, '--on-error', 'skip']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Errors\s+46/);
  });

  it('refuses an unknown --on-error value with the choices', () => {
    const { strategy, data } = setup();
    const r = parity(['backtest', '-s', strategy, '-d', data, '--on-error', 'ignore']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stop.*skip/);
  });
});

describe('a strategy that throws (paper / live engine)', () => {
  const run = (policy?: 'pause' | 'skip' | 'stop') => {
    const instruments = buildInstruments(['AAPL'], [], 'sim');
    const logs: string[] = [];
    const engine = new Engine({
      instruments, execution: new SimVenue({ instruments, account: DEFAULT_ACCOUNT }),
      strategy: { name: 't', params: {}, handlers: { onBar() { throw new Error('always'); } } },
      observers: [{ onLog: (e) => { logs.push(`${e.level} ${e.message}`); } }],
      ...(policy !== undefined ? { onStrategyError: policy } : {}),
    });
    engine.addFeed(new SeriesFeed(seriesFromBars(barsFromCloses('AAPL', [10, 11, 12, 13]))));
    engine.runToEnd();
    return { engine, logs };
  };

  it('pauses trading with the reason naming the place (the default), counting repeats without re-logging', () => {
    const { engine, logs } = run();
    expect(engine.tradingState().status).toBe('paused');
    expect(engine.tradingState().reason).toMatch(/strategy error in onBar at .*strategy-errors\.test\.ts:\d+:\d+: always/);
    expect(engine.tradingHolds().map((h) => h.key)).toContain('engine');
    expect(engine.strategyErrors().count).toBe(4);
    expect(engine.strategyErrors().list()).toHaveLength(1);
    expect(logs.filter((l) => l.startsWith('error ')).length).toBe(1);
  });

  it("'stop' ends the run at the first throw; 'skip' runs on without pausing", () => {
    const stop = run('stop');
    expect(stop.engine.strategyErrors().count).toBe(1);
    expect(stop.engine.stoppedByStrategyError()).toBe(true);
    expect(stop.engine.eventsProcessed()).toBe(1);
    const skip = run('skip');
    expect(skip.engine.strategyErrors().count).toBe(4);
    expect(skip.engine.tradingState().status).toBe('active');
  });
});
