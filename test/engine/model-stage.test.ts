/**
 * The model stage's timing: the prediction onBar sees for bar t comes from bar t's features, and
 * it is the same value whether the predictions were batched before the pass (backtest, re-run,
 * warm-up) or awaited bar by bar (paper and live, pull feed and push feed alike).
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import type { Bar } from '../../src/domain/market.ts';
import type { EngineObserver } from '../../src/engine/engine.ts';
import { ModelStage, ModelStageError, precomputePredictions, type StageRecord } from '../../src/engine/model-stage.ts';
import { SimulatedClock } from '../../src/engine/clock.ts';
import type { Predictor } from '../../src/ports/predictor.ts';
import type { AccountEntrySink, ExecutionClient, PushFeed, ReportSink, TransportHooks } from '../../src/ports/index.ts';
import { FeatureSet, InputAssembler } from '../../src/features/index.ts';
import { returns, volatility, range } from '../../src/features/library.ts';
import { makeEngine } from '../../src/modes/parts.ts';
import { SimVenue } from '../../src/venues/sim/index.ts';
import { SeriesFeed } from '../../src/data/feed.ts';
import { barsFromCloses, config, partsFor } from './helpers.ts';

const PROBE = resolve(import.meta.dirname, 'fixtures/ml-probe.ts');
const SET = new FeatureSet([returns(3), volatility(5), range()]);
const W = [40, -900, 25];

/** A real function of the features (float32 in, as a tree runtime takes them), answered asynchronously. */
function slowLogit(): Predictor & { calls: number[] } {
  const calls: number[] = [];
  return {
    featureNames: SET.names,
    calls,
    async predict(values: Float32Array, rows: number): Promise<Float32Array> {
      calls.push(rows);
      await new Promise((r) => setTimeout(r, 1));
      return expected(values, rows);
    },
  };
}

function expected(values: Float32Array, rows: number): Float32Array {
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let j = 0; j < W.length; j++) m += W[j]! * values[r * W.length + j]!;
    out[r] = 1 / (1 + Math.exp(-m));
  }
  return out;
}

function stage(predictor: Predictor): ModelStage {
  return new ModelStage({ features: SET, inputsFor: () => new InputAssembler({}, 60_000), envOf: () => ({ calendar: '24x7', barMs: 60_000 }), predictor });
}

function bars(n: number): Bar[] {
  const closes = Array.from({ length: n }, (_, i) => 100 + 3 * Math.sin(i / 3) + (i % 7) * 0.25);
  return barsFromCloses('BTC-USD', closes);
}

interface Seen { ts: number; p: number | null; f: Record<string, number | null> }

function collector(): { obs: EngineObserver; seen: Seen[]; stages: StageRecord[] } {
  const seen: Seen[] = [];
  const stages: StageRecord[] = [];
  return {
    seen, stages,
    obs: {
      onLog: (l) => {
        if (l.message !== 'probe') return;
        // Through JSON, as a recording would carry them: NaN becomes null on both sides alike.
        seen.push(JSON.parse(JSON.stringify(l.fields)) as Seen);
      },
      onStage: (s) => { stages.push(s.kind === 'model' ? { ...s, values: s.values.slice() } : s); },
    },
  };
}

async function backtest(data: Bar[]): Promise<{ seen: Seen[]; stages: StageRecord[]; calls: number[] }> {
  const parts = await partsFor(PROBE, {}, data);
  const cfg = config();
  const p = slowLogit();
  const st = stage(p);
  await st.precompute(data);
  const c = collector();
  const engine = makeEngine(cfg, parts, new SimVenue({ instruments: parts.instruments, account: cfg.account }), { observers: [c.obs], idPrefix: 't', model: st });
  engine.addFeed(new SeriesFeed(parts.series));
  engine.runToEnd();
  return { ...c, calls: p.calls };
}

async function realTime(data: Bar[], feed: 'pull' | 'push', history: Bar[] = []): Promise<{ seen: Seen[]; stages: StageRecord[]; calls: number[] }> {
  const parts = await partsFor(PROBE, {}, data);
  const cfg = config();
  const p = slowLogit();
  const c = collector();
  const engine = makeEngine(cfg, parts, new SimVenue({ instruments: parts.instruments, account: cfg.account }), {
    observers: [c.obs], idPrefix: 't', model: stage(p), clock: new SimulatedClock(),
    ...(history.length > 0 ? { warmup: () => history } : {}),
  });
  if (feed === 'pull') engine.addFeed(new SeriesFeed(parts.series));
  else engine.addFeed(pushOf(data));
  await engine.run();
  return { ...c, calls: p.calls };
}

/** Bars pushed a few at a time from timers, as a socket delivers them. */
function pushOf(data: Bar[]): PushFeed {
  let stop = false;
  return {
    kind: 'push',
    start(sink, done) {
      let i = 0;
      const tick = (): void => {
        if (stop) return;
        for (let k = 0; k < 3 && i < data.length; k++) sink(data[i++]!);
        if (i < data.length) setTimeout(tick, 0);
        else done();
      };
      setTimeout(tick, 0);
    },
    stop() { stop = true; },
  };
}

describe('model stage: the same prediction, at the same bar, in every mode', () => {
  it('backtest (batched before the pass) and paper (awaited per bar, pull and push feeds) agree at every bar', async () => {
    const data = bars(60);
    const bt = await backtest(data);
    const pull = await realTime(data, 'pull');
    const push = await realTime(data, 'push');
    expect(bt.seen).toHaveLength(60);
    expect(pull.seen).toEqual(bt.seen);
    expect(push.seen).toEqual(bt.seen);
    // The batch path asked the model once; the real-time paths once per complete bar.
    expect(bt.calls).toEqual([60 - 5]);
    expect(pull.calls).toEqual(Array(55).fill(1));
    expect(push.calls).toEqual(Array(55).fill(1));
    expect(pull.stages).toEqual(bt.stages);
  });

  it('the prediction onBar sees for bar t is the model of bar t\'s own features (not the bar before)', async () => {
    const data = bars(40);
    const { seen } = await realTime(data, 'pull');
    let checked = 0;
    for (const s of seen) {
      const f = [s.f['ret_3'], s.f['vol_5'], s.f['range']];
      if (f.some((v) => v === null || v === undefined)) { expect(s.p).toBeNull(); continue; }
      expect(s.p).toBe(expected(Float32Array.from(f as number[]), 1)[0]);
      checked++;
    }
    expect(checked).toBe(35);
  });

  it('records signal and target beside the model stage, in pipeline order', async () => {
    const { stages } = await backtest(bars(12));
    const at = stages.filter((s) => s.ts === bars(12)[8]!.ts).map((s) => s.kind);
    expect(at).toEqual(['model', 'signal', 'target']);
  });

  it('warm-up bars get their predictions from one batched run; the first live bar continues their state', async () => {
    const all = bars(50);
    const live = all.slice(20);
    const withHistory = await realTime(live, 'pull', all.slice(0, 20));
    const whole = await backtest(all);
    // One batch for the 15 complete warm-up rows, then one call per live bar.
    expect(withHistory.calls).toEqual([15, ...Array(30).fill(1)]);
    expect(withHistory.seen.map((s) => s.p)).toEqual(whole.seen.map((s) => s.p));
  });

  it('a batch row that differs from the event stream stops the run with the bar, the feature and both values', async () => {
    const data = bars(20);
    const table = await precomputePredictions({ features: SET, inputsFor: () => new InputAssembler({}, 60_000), envOf: () => ({ calendar: '24x7', barMs: 60_000 }), predictor: slowLogit() }, data);
    const t = table.get('BTC-USD')!;
    t.features[10 * 3 + 1] = 0.5; // vol_5 at bar 10
    const st = new ModelStage({ features: SET, inputsFor: () => new InputAssembler({}, 60_000), envOf: () => ({ calendar: '24x7', barMs: 60_000 }), predictor: slowLogit(), precomputed: table });
    for (let i = 0; i < 10; i++) st.onBar(data[i]!);
    expect(() => st.onBar(data[10]!)).toThrow(ModelStageError);
    expect(() => stage(slowLogit()).onBar(data[10]!)).not.toThrow(); // warming up: NaN, nothing to await
  });

  it('a live side source is awaited before each bar even without a model (features only)', async () => {
    const data = bars(20);
    const parts = await partsFor(PROBE, {}, data);
    const cfg = config();
    const asked: number[] = [];
    let index = Number.NaN;
    const st = new ModelStage({
      features: SET, envOf: () => ({ calendar: '24x7', barMs: 60_000 }),
      inputsFor: () => ({
        // The index of a bar arrives only once asked for it, a moment later (as a venue's candle would).
        ready: async (bar) => { asked.push(bar.ts); await new Promise((r) => setTimeout(r, 1)); index = bar.close * 0.999; },
        at: (bar) => ({ bar, funding: Number.NaN, index }),
      }),
    });
    const stages: StageRecord[] = [];
    const engine = makeEngine(cfg, parts, new SimVenue({ instruments: parts.instruments, account: cfg.account }), {
      observers: [{ onStage: (r) => { stages.push(r); } }], idPrefix: 't', model: st, clock: new SimulatedClock(),
    });
    engine.addFeed(new SeriesFeed(parts.series));
    await engine.run();
    expect(asked).toEqual(data.map((b) => b.ts));
    const model = stages.filter((r) => r.kind === 'model');
    expect(model.map((r) => (r.kind === 'model' ? r.index : 0))).toEqual(data.map((b) => b.close * 0.999));
  });

  it('bars queued while a prediction is awaited are dispatched one at a time, never inside another bar', async () => {
    // A venue whose reports carry its own, later clock (a fake replaying old bars stamps fills with
    // the wall clock): engine time runs ahead of the queued bars, which once made the engine handle
    // the next queued bar inside the current one, before the current bar's model stage.
    const data = bars(40);
    const parts = await partsFor(PROBE, {}, data);
    const cfg = config();
    const sim = new SimVenue({ instruments: parts.instruments, account: cfg.account });
    const connect = (sink: ReportSink, hooks?: TransportHooks, entries?: AccountEntrySink): ReturnType<ExecutionClient['connect']> =>
      sim.connect((r) => sink({ ...r, ts: r.ts + 86_400_000 }), hooks, entries);
    const later = new Proxy(sim, {
      get: (t, k) => (k === 'connect' ? connect : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as (...a: unknown[]) => unknown).bind(t) : Reflect.get(t, k)),
    }) as ExecutionClient;
    const c = collector();
    // Quick answers, but one slow one late in the run: the bar after it arrives during that await.
    let calls = 0;
    const p: Predictor = { featureNames: SET.names, async predict(v, rows) { if (++calls === 20) await new Promise((r) => setTimeout(r, 60)); return expected(v, rows); } };
    const engine = makeEngine(cfg, parts, later, { observers: [c.obs], idPrefix: 't', model: stage(p), clock: new SimulatedClock() });
    // One bar every 15 ms: the fill (stamped a day on) is handled alone, then bars keep coming.
    let stop = false;
    engine.addFeed({
      kind: 'push',
      start(sink, done) { let i = 0; const tick = (): void => { if (stop) return; sink(data[i++]!); if (i < data.length) setTimeout(tick, 15); else done(); }; setTimeout(tick, 0); },
      stop() { stop = true; },
    });
    await engine.run();
    const bt = await backtest(data);
    expect(c.seen.map((x) => x.p)).toEqual(bt.seen.map((x) => x.p));
    expect([...engine.orders.all()]).toHaveLength(1);
    expect(engine.portfolio.position('BTC-USD').qty).toBe(0.01);
  });

  it('a real-time bar with complete features and no awaited prediction is refused, not guessed', () => {
    const data = bars(10);
    const st = stage(slowLogit());
    for (let i = 0; i < 5; i++) st.onBar(data[i]!);
    expect(() => st.onBar(data[5]!)).toThrow(/no prediction was prepared/);
  });
});
