/**
 * The ML case study end to end on its shipped data and model: the backtest (predictions batched
 * before the pass) and a paper session (each prediction awaited through onnxruntime before its
 * bar) make the same fills and record the same stages; the recording re-runs decision for
 * decision; and the strategy's stop-loss is a real stop order that fills. Budget: ~20 s here.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../../src/domain/fill.ts';
import type { StageRecord } from '../../src/engine/model-stage.ts';
import { ConfigSchema } from '../../src/config/schema.ts';
import { openBacktestModel, runBacktest } from '../../src/modes/backtest.ts';
import { sideFromConfig } from '../../src/modes/model.ts';
import { precomputePredictions } from '../../src/engine/model-stage.ts';
import { FeatureSet, InputAssembler, parseFeatureList } from '../../src/features/index.ts';
import { barAt, type BarSeries } from '../../src/data/index.ts';
import { startPaper } from '../../src/modes/paper.ts';
import { rerunRecording } from '../../src/modes/rerun.ts';
import { openRecording } from '../../src/recording/recording.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const barsOf = (s: BarSeries) => Array.from({ length: s.length }, (_, i) => barAt(s, i));
const BARS = 3000;

describe('perp-ml on data/perp-ml', () => {
  it('backtest and paper make the same fills and stages; the session re-runs; stops fill', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-perp-ml-'));
    // The test week's first bars (about two days): enough for every kind of order the strategy makes.
    const lines = readFileSync(join(ROOT, 'data/perp-ml/test-1m.csv'), 'utf8').split('\n');
    writeFileSync(join(dir, 'bars.csv'), `${lines.slice(0, BARS + 1).join('\n')}\n`);
    const config = ConfigSchema.parse({
      strategy: { file: join(ROOT, 'strategies/perp-ml.ts') },
      data: { files: [join(dir, 'bars.csv')], funding: join(ROOT, 'data/perp-ml/funding.csv'), index: join(ROOT, 'data/perp-ml/index.csv') },
      venue: { commission: { model: 'bps', bps: 2 }, slippage: { kind: 'bps', bps: 1 } },
      run: { speed: 'max', sessionsDir: join(dir, 'sessions') },
    });
    const bt = await runBacktest(config);
    const paperFills: Fill[] = [];
    const paperStages: StageRecord[] = [];
    const keep = (into: StageRecord[]) => (s: StageRecord): void => { into.push(s.kind === 'model' ? { ...s, values: s.values.slice() } : s); };
    const paper = await startPaper(config, [{ onFill: (f) => paperFills.push(f), onStage: keep(paperStages) }]);
    await paper.done;

    const strip = (fs: readonly Fill[]) => fs.map(({ clientOrderId: _id, execId: _e, ...rest }) => rest);
    const fills = bt.collector.fills();
    expect(fills.length).toBeGreaterThan(40);
    expect(strip(paperFills)).toEqual(strip(fills));
    expect(paper.engine.portfolio.equity()).toBe(bt.engine.portfolio.equity());
    // Every kind of order the case study makes happened: entries both ways, exits on a flip, a stop that filled.
    const tags = new Set([...bt.collector.eachOrder()].filter((o) => o.status === 'filled').map((o) => o.request.tag));
    expect([...tags].sort()).toEqual(['exit', 'long', 'short', 'stop']);
    // No order of the strategy was refused by the venue or by pre-trade risk.
    expect(bt.counts).toMatchObject({ rejections: 0, denials: 0, errors: 0 });

    // The recording: a model stage per bar (prediction from that bar's features), signal and target beside it.
    const rec = openRecording(paper.session.dir);
    const stages = [];
    for (let i = 0; i < rec.total; i++) if (rec.kindOf(i) === 'stage') stages.push(rec.record(i));
    const model = stages.filter((s) => s.k === 'stage' && s.st === 'model');
    expect(model).toHaveLength(BARS);
    expect(model.filter((s) => s.k === 'stage' && s.p !== null).length).toBe(BARS - 30);
    expect(stages.some((s) => s.k === 'stage' && s.st === 'signal')).toBe(true);
    expect(stages.some((s) => s.k === 'stage' && s.st === 'target')).toBe(true);
    expect(paperStages.filter((s) => s.kind === 'model')).toHaveLength(BARS);
    // The batch path's predictions (one onnxruntime run over every bar) equal the awaited ones, bit for bit.
    const m = (await openBacktestModel(config, bt.parts))!;
    const batch = await precomputePredictions({ features: new FeatureSet(m.header.features.map((n) => parseFeatureList(n)[0]!)), inputsFor: () => new InputAssembler(sideFromConfig(config), 60_000), envOf: () => ({ calendar: '24x7', barMs: 60_000 }), predictor: m.predictor! }, barsOf(bt.parts.series[0]!));
    await m.close();
    const table = batch.get('BTC/USDT:USDT')!;
    const awaited = paperStages.filter((s) => s.kind === 'model').map((s) => (s.kind === 'model' ? s.prediction : 0));
    expect(awaited.map((p) => (Number.isNaN(p) ? null : p))).toEqual([...table.prediction].map((p) => (Number.isNaN(p) ? null : p)));
    expect(rec.header?.model).toMatchObject({ features: expect.arrayContaining(['funding', 'basis']), path: 'models/perp-ml' });

    const again = await rerunRecording(rec);
    expect(again.match).toBe(true);
    expect(again.rerunDecisions).toBe(again.recordedDecisions);
  }, 90_000);
});
