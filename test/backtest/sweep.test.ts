// Budget: 20 s for this file on the 2-core CI machine (13 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
/**
 * The sweep's parts: the grid syntax and its schema check, walk-forward windows, ranking, windows
 * cut from loaded data, and the pool's runs against single in-process backtests.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { loadStrategy } from '../../src/strategy/loader.ts';
import type { StrategyDefinition } from '../../src/engine/strategy.ts';
import { checkGrid, parseAxes, parseAxis, product } from '../../src/sweep/grid.ts';
import { parseWalkForward, windowsFor } from '../../src/sweep/windows.ts';
import { rankOrder } from '../../src/sweep/rank.ts';
import { runOne, sliceSeries } from '../../src/sweep/run-one.ts';
import { runSweep } from '../../src/sweep/sweep.ts';
import { loadConfig } from '../../src/config/load.ts';
import { loadRunParts } from '../../src/modes/parts.ts';
import { runBacktest } from '../../src/modes/backtest.ts';
import { loadBars } from '../../src/data/index.ts';
import { backtestJson, summaryJson, type SummaryJson } from '../../src/backtest/index.ts';
import { SweepProgress } from '../../src/sweep/progress.ts';
import { isShared, shareSeries } from '../../src/sweep/shared-data.ts';
import { partsFor } from '../../src/sweep/worker.ts';
import { YOUNG_GENERATION_MB } from '../../src/sweep/pool.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = resolve(ROOT, 'data/sample/BTC-USD-1m.csv');
const DAY = 86_400_000;

async function smaCross(): Promise<StrategyDefinition> {
  return (await loadStrategy('strategies/sma-cross.ts', ROOT, { typecheck: false })).definition;
}

const config = () => loadConfig(undefined, { strategy: { typecheck: false } }, ROOT).config;

describe('grid syntax', () => {
  it('reads values, lists, ranges with steps and mixes', () => {
    expect(parseAxis('fast=10').values).toEqual([10]);
    expect(parseAxis('slow=20,30,50').values).toEqual([20, 30, 50]);
    expect(parseAxis('fast=5..20:5').values).toEqual([5, 10, 15, 20]);
    expect(parseAxis('fast=5..8').values).toEqual([5, 6, 7, 8]);
    expect(parseAxis('fast=5..19:5').values).toEqual([5, 10, 15]);
    expect(parseAxis('x=2,5..15:5').values).toEqual([2, 5, 10, 15]);
    expect(parseAxis('q=0.1..0.3:0.1').values).toEqual([0.1, 0.2, 0.3]);
    expect(parseAxis('q=-1..1').values).toEqual([-1, 0, 1]);
    expect(parseAxis('on=true,false').values).toEqual([true, false]);
  });

  it('refuses what it cannot read, with the fix in the message', () => {
    expect(() => parseAxis('fast')).toThrow(/name=values/);
    expect(() => parseAxis('fast=')).toThrow(/no values/);
    expect(() => parseAxis('fast=20..5')).toThrow(/backwards.*5\.\.20/);
    expect(() => parseAxis('fast=5..20:0')).toThrow(/step .* must be positive/);
    expect(() => parseAxis('fast=5..x')).toThrow(/cannot read "5..x" as a range/);
    expect(() => parseAxis('fast=5,,6')).toThrow(/empty item/);
    expect(() => parseAxis('fast=5,5')).toThrow(/listed twice/);
    expect(() => parseAxes(['fast=5', 'fast=6'])).toThrow(/given twice/);
    expect(() => parseAxis('fast=0..1:0.000001')).toThrow(/is the step right/);
  });

  it('makes the cartesian product, the last axis fastest', () => {
    expect(product(parseAxes(['a=1,2', 'b=x,y']))).toEqual([{ a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }]);
    expect(product([])).toEqual([{}]);
  });
});

describe('grid against the strategy schema', () => {
  it('refuses a name the strategy does not have, listing the ones it has', async () => {
    const def = await smaCross();
    expect(() => checkGrid(def, parseAxes(['fsat=5']))).toThrow(/no parameter "fsat"; it takes: fast, slow, qty/);
  });

  it('refuses a value a parameter refuses, naming it', async () => {
    const def = await smaCross();
    expect(() => checkGrid(def, parseAxes(['fast=-5,5', 'slow=30']))).toThrow(/refuses --param fast=-5: fast: /);
    expect(() => checkGrid(def, parseAxes(['fast=2.5', 'slow=30']))).toThrow(/fast=2.5/);
  });

  it('skips combinations only a cross-parameter rule refuses, and fails when none is left', async () => {
    const def = await smaCross();
    const g = checkGrid(def, parseAxes(['fast=5..20:5', 'slow=20,30,50']));
    expect(g.skipped).toEqual([{ given: { fast: 20, slow: 20 }, reason: 'fast must be smaller than slow' }]);
    expect(g.combinations).toHaveLength(11);
    expect(g.combinations[0]).toEqual({ given: { fast: 5, slow: 20 }, params: { fast: 5, slow: 20 } });
    expect(() => checkGrid(def, parseAxes(['fast=30', 'slow=20']))).toThrow(/refuses every combination.*fast=30 slow=20/);
  });
});

describe('walk-forward windows', () => {
  it('reads the spec', () => {
    expect(parseWalkForward('train=30d,test=7d')).toMatchObject({ trainMs: 30 * DAY, testMs: 7 * DAY, stepMs: 7 * DAY, anchored: false });
    expect(parseWalkForward('train=2w,test=12h,step=90m,anchored')).toMatchObject({ trainMs: 14 * DAY, testMs: DAY / 2, stepMs: 5_400_000, anchored: true });
    expect(() => parseWalkForward('train=30d')).toThrow(/needs both train= and test=/);
    expect(() => parseWalkForward('train=30x,test=1d')).toThrow(/unit m, h, d or w/);
    expect(() => parseWalkForward('train=1d,test=1d,foo=2')).toThrow(/train=SPAN,test=SPAN/);
  });

  it('tiles the test spans, each right after its training span, whole spans only', () => {
    const first = Date.UTC(2024, 0, 1);
    const end = first + 10 * DAY; // ten days of minute bars: the last at end - 1 minute
    const w = windowsFor(parseWalkForward('train=3d,test=2d'), first, end);
    expect(w.map((x) => [(x.train.from - first) / DAY, (x.train.to - first) / DAY, (x.test.from - first) / DAY, (x.test.to - first) / DAY]))
      .toEqual([[0, 3, 3, 5], [2, 5, 5, 7], [4, 7, 7, 9]]);
    const a = windowsFor(parseWalkForward('train=3d,test=2d,anchored'), first, end);
    expect(a.every((x) => x.train.from === first)).toBe(true);
    expect(windowsFor(parseWalkForward('train=5d,test=5d'), first, end)).toHaveLength(1);
    expect(() => windowsFor(parseWalkForward('train=5d,test=5d,step=1m'), first, end - 1)).toThrow(/one window needs 10.00/);
    expect(() => windowsFor(parseWalkForward('train=30d,test=7d'), first, end)).toThrow(/spans 10.00 days, one window needs 37.00/);
  });
});

describe('ranking', () => {
  const s = (over: Partial<SummaryJson>): SummaryJson => ({ sharpe: 0, totalReturn: 0, maxDrawdown: 0, completed: true, cagr: null, ...over }) as SummaryJson;
  it('puts the best first, the drawdown smallest first, unrankable runs last, ties in grid order', () => {
    const runs = [s({ sharpe: 1, maxDrawdown: 0.2 }), s({ sharpe: 3, maxDrawdown: 0.1 }), s({ sharpe: 5, completed: false }), s({ sharpe: 1, maxDrawdown: 0.05 })];
    expect(rankOrder('sharpe', runs)).toEqual([1, 0, 3, 2]);
    expect(rankOrder('drawdown', runs)).toEqual([3, 1, 0, 2]);
    expect(rankOrder('cagr', runs)).toEqual([0, 1, 2, 3]);
  });
});

describe('runs on loaded data', () => {
  it('a window cut from the loaded bars is what loading with --from/--to keeps', () => {
    const [all] = loadBars(SAMPLE, {});
    const from = all!.ts[100]! + 1;
    const to = all!.ts[2000]!;
    const [cut] = loadBars(SAMPLE, { from, to });
    const s = sliceSeries(all!, { from, to });
    expect(s.length).toBe(cut!.length);
    for (const k of ['ts', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Array.from(s[k])).toEqual(Array.from(cut![k]));
    expect(sliceSeries(all!, { from: all!.ts[all!.length - 1]! + 1 }).length).toBe(0);
  });

  it('one combination over a window is the backtest of those params over that window', async () => {
    const base = config();
    const loaded = await loadRunParts(base);
    const first = loaded.series[0]!.ts[0]!;
    const cases = [
      { given: { fast: 5, slow: 20 }, range: {} },
      { given: { fast: 10, slow: 50 }, range: { from: first + DAY, to: first + 2 * DAY } },
      { given: { fast: 20, slow: 30 }, range: { from: first + DAY / 2 + 7 * 60_000 } },
      // Ten minutes, no trade, a flat curve: Sharpe, Sortino and win rate are n/a (null) in both.
      { given: { fast: 5, slow: 20 }, range: { from: first, to: first + 10 * 60_000 } },
    ];
    for (const c of cases) {
      const alone = await runBacktest({ ...base, strategy: { ...base.strategy, params: c.given } }, c.range);
      const expected = backtestJson(alone.summary, { description: alone.description, counts: alone.counts, completed: alone.completed });
      expect(runOne({ config: base, loaded, given: c.given, range: c.range, onError: 'stop' })).toEqual(expected);
    }
    expect(runOne({ config: base, loaded, given: cases[3]!.given, range: cases[3]!.range, onError: 'stop' }).sharpe).toBeNull();
  });
});

const COLUMNS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

describe('data shared with the workers', () => {
  it('shared columns hold the loaded bars, in SharedArrayBuffers, and a window of them is still shared', async () => {
    const loaded = await loadRunParts(config());
    const shared = shareSeries(loaded.series);
    expect(isShared(loaded.series)).toBe(false);
    expect(isShared(shared)).toBe(true);
    expect(shared).toHaveLength(loaded.series.length);
    for (const [i, s] of shared.entries()) {
      const d = loaded.series[i]!;
      expect([s.symbol, s.source, s.length]).toEqual([d.symbol, d.source, d.length]);
      for (const k of COLUMNS) {
        expect(s[k].buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(s[k]).toEqual(d[k]);
      }
    }
    const w = sliceSeries(shared[0]!, { from: shared[0]!.ts[10]!, to: shared[0]!.ts[20]! });
    expect(w.length).toBe(10);
    expect(isShared([w])).toBe(true);
    expect(isShared([])).toBe(false);
  });

  it('a structured clone (what a worker receives) still shares the memory, and copies nothing', async () => {
    const shared = shareSeries((await loadRunParts(config())).series);
    const copy = structuredClone(shared);
    expect(copy[0]!.close).toEqual(shared[0]!.close);
    const was = shared[0]!.close[0]!;
    (shared[0]!.close as Float64Array)[0] = -1;
    expect(copy[0]!.close[0]).toBe(-1);
    (shared[0]!.close as Float64Array)[0] = was;
  });

  it('a worker builds from the shared data the parts a direct load gives', async () => {
    const base = config();
    const direct = await loadRunParts(base);
    const job = { config: base, strategyHash: direct.strategy.sourceHash, onError: 'stop' as const, data: { id: 'test', series: shareSeries(direct.series) } };
    const parts = await partsFor(job);
    expect(parts.strategy.sourceHash).toBe(direct.strategy.sourceHash);
    expect(parts.strategy.definition.name).toBe(direct.strategy.definition.name);
    expect(parts.series).toHaveLength(direct.series.length);
    for (const [i, s] of parts.series.entries()) for (const k of COLUMNS) expect(s[k]).toEqual(direct.series[i]![k]);
    expect(isShared(parts.series)).toBe(true);
    expect(parts.instruments.all()).toEqual(direct.instruments.all());
    expect(runOne({ config: base, loaded: parts, given: { fast: 5, slow: 20 }, onError: 'stop' })).toEqual(runOne({ config: base, loaded: direct, given: { fast: 5, slow: 20 }, onError: 'stop' }));
    expect(await partsFor(job)).toBe(parts); // kept across tasks
    await expect(partsFor({ ...job, strategyHash: 'f'.repeat(64) })).rejects.toThrow(/changed while the sweep was starting/);
  });
});

describe('the pool', () => {
  it('runs the grid on workers that share the data the main thread loaded once, with the results of single runs', async () => {
    const base = config();
    const loaded = await loadRunParts(base);
    const r = await runSweep({ config: base, axes: parseAxes(['fast=5,10,20', 'slow=30,50']), walkForward: null, rank: 'return', workers: 2, range: {}, onError: 'stop' });
    expect(r.runsExecuted).toBe(6);
    expect(r.loads).toBe(1);
    const threads = r.profile.threads;
    // Bigger than V8's default (3 x 16 MB semi-spaces): fewer scavenges for the engine's short-lived garbage.
    expect(YOUNG_GENERATION_MB).toBeGreaterThan(48);
    expect(threads.length).toBeGreaterThanOrEqual(1);
    expect(threads.length).toBeLessThanOrEqual(2);
    expect(threads.flatMap((t) => t.tasks)).toHaveLength(6);
    for (const t of threads) {
      expect(t.shared).toBe(true);
      expect(t.boot.youngGenerationMb).toBe(YOUNG_GENERATION_MB);
      expect(t.boot.readyAt).toBeGreaterThanOrEqual(r.profile.startedAt);
      for (const k of t.tasks) expect(Math.min(k.setupMs, k.ms, k.startedAt - r.profile.startedAt)).toBeGreaterThanOrEqual(0);
    }
    const p = r.profile;
    expect([p.startedAt, p.loadedAt, p.runsDoneAt, p.finishedAt]).toEqual([...[p.startedAt, p.loadedAt, p.runsDoneAt, p.finishedAt]].sort((a, b) => a - b));
    const returns = r.runs.map((x) => x.summary.totalReturn);
    expect([...returns].sort((a, b) => b - a)).toEqual(returns);
    for (const run of r.runs) expect(run.summary).toEqual(runOne({ config: base, loaded, given: run.params, onError: 'stop' }));
    expect(r.warnings).toEqual([]);
  });

  it('a run the strategy stopped ranks last and says where it threw', async () => {
    const file = resolve(ROOT, 'test/fixtures/sweep-throws.ts');
    const base = loadConfig(undefined, { strategy: { file, typecheck: false } }, ROOT).config;
    const r = await runSweep({ config: base, axes: parseAxes(['n=1,100']), walkForward: null, rank: 'trades', workers: 1, range: {}, onError: 'stop' });
    expect(r.runs.map((x) => [x.params, x.summary.completed])).toEqual([[{ n: 100 }, true], [{ n: 1 }, false]]);
    expect(r.runs[0]!.strategyError).toBeNull();
    expect(r.runs[1]!.strategyError).toMatch(/^onBar at .*sweep-throws\.ts:12:\d+: boom at 100$/);
  });

  it('says so when no run has the ranking metric (CAGR on three days)', async () => {
    const r = await runSweep({ config: config(), axes: parseAxes(['fast=5,10', 'slow=30']), walkForward: null, rank: 'cagr', workers: 1, range: {}, onError: 'stop' });
    expect(r.warnings).toEqual([expect.stringMatching(/no run has a cagr figure \(CAGR needs a span of 30 days or more\): the order is the grid's/)]);
    expect(r.runs.map((x) => x.params)).toEqual([{ fast: 5, slow: 30 }, { fast: 10, slow: 30 }]);
  });

  it('walks forward: the best in-sample combination of each window is the one run out of sample', async () => {
    const base = config();
    const loaded = await loadRunParts(base);
    const r = await runSweep({ config: base, axes: parseAxes(['fast=5,10', 'slow=20,30']), walkForward: parseWalkForward('train=1d,test=12h'), rank: 'sharpe', workers: 2, range: {}, onError: 'stop' });
    const wf = r.walkForward!;
    expect(wf.windows).toHaveLength(4); // three days: tests at 1-1.5, 1.5-2, 2-2.5 and 2.5-3 days
    expect(r.loads).toBeLessThanOrEqual(2);
    let growth = 1;
    for (const w of wf.windows) {
      const train = { from: Date.parse(w.train.from), to: Date.parse(w.train.to) };
      const test = { from: Date.parse(w.test.from), to: Date.parse(w.test.to) };
      expect(test.from).toBe(train.to);
      const sharpes = [[5, 20], [5, 30], [10, 20], [10, 30]].map(([fast, slow]) => runOne({ config: base, loaded, given: { fast: fast!, slow: slow! }, range: train, onError: 'stop' }).sharpe);
      expect(w.inSampleMetric).toBe(Math.max(...sharpes.map((x) => x ?? -Infinity)));
      expect(w.outOfSample).toEqual(runOne({ config: base, loaded, given: w.best, range: test, onError: 'stop' }));
      growth *= 1 + w.outOfSample.totalReturn;
    }
    expect(wf.outOfSampleReturn).toBeCloseTo(growth - 1, 9);
  });
});

describe('the progress line', () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, s: { isTTY, columns: 60, write: (c: string) => { out.push(c); return true; } } };
  };
  it('draws runs done, runs/s and ETA on a terminal, at most every 100 ms, always the last, and erases itself', () => {
    let t = 0;
    const { out, s } = sink(true);
    const p = new SweepProgress(s, () => t);
    t = 1000; p.update(2, 10);
    t = 1050; p.update(3, 10); // too soon: skipped
    t = 1200; p.update(10, 10); // the last one is always drawn
    p.done();
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^\r\x1b\[2Ksweep \[#+-+\] 2\/10  2\.0 runs\/s  ETA 4s$/);
    expect(out[1]).toMatch(/10\/10/);
    expect(out[2]).toBe('\r\x1b[2K');
    expect(out.every((l) => l.replace('\r\x1b[2K', '').length < 60)).toBe(true);
  });
  it('writes nothing when stderr is not a terminal', () => {
    const { out, s } = sink(false);
    const p = new SweepProgress(s, () => 0);
    p.update(1, 2);
    p.done();
    expect(out).toEqual([]);
  });
});
