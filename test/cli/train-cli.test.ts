/**
 * `parity train`, `parity model import` and `parity model show`, run as the user runs them (the
 * real bin/parity.js in a child process) on files written here.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parity, ROOT, tempDir } from './helpers.ts';
import { openOnnxPredictor, readModelFolder } from '../../src/ml/index.ts';
import { TreeProgress } from '../../src/cli/train.ts';

/** Minute bars whose returns revert (r[t] = -0.6 r[t-1] + noise): ret_1 predicts the next bar's sign. */
function revertingBars(n: number, seed = 7): string {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lines = ['timestamp,symbol,open,high,low,close,volume'];
  let price = 30_000;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const open = price;
    price = Math.round(open * (1 + -0.6 * last + (rand() - 0.5) * 0.004) * 100) / 100;
    last = price / open - 1;
    lines.push(`${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString()},BTC/USDT,${open.toFixed(2)},${(Math.max(open, price) * 1.0005).toFixed(2)},${(Math.min(open, price) * 0.9995).toFixed(2)},${price.toFixed(2)},${(1 + rand()).toFixed(3)}`);
  }
  return `${lines.join('\n')}\n`;
}

function workspace(): { dir: string; bars: string } {
  const dir = tempDir('parity-train-cli-');
  const bars = join(dir, 'bars.csv');
  writeFileSync(bars, revertingBars(2000));
  return { dir, bars };
}

describe('parity train (CLI)', () => {
  it('trains on --features, prints every fold and the model, writes the folder, and refuses to overwrite it without --force', () => {
    const { dir, bars } = workspace();
    const args = ['train', '--data', bars, '--features', 'ret_1,vol_10', '--label', 'fwd-return:1:0', '--out', 'models/revert', '--folds', '3', '--embargo', '2', '--trees', '15', '--depth', '3'];
    const r = parity(args, { cwd: dir });
    expect(r.stderr).toBe(''); // not a terminal: no progress bar
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rows +1989 of 2000 bars: 1 at the end without a label, 10 dropped for a NaN feature \(ret_1 1, vol_10 10\)/);
    const folds = r.stdout.split('\n').filter((l) => /^ {3}\d /.test(l));
    expect(folds).toHaveLength(3);
    for (const line of folds) {
      const cols = line.trim().split(/\s+/); // fold train test purged embargo from .. to AUC logloss acc cells
      expect(Number(cols[8])).toBeGreaterThan(0.6);
      expect(Number(cols[9])).toBeLessThan(Math.log(2));
    }
    expect(r.stdout).toMatch(/purged walk-forward, 3 folds, embargo 2 bars/);
    expect(r.stdout).toContain('wrote models/revert/model.onnx and models/revert/metadata.json');
    const meta = readModelFolder(join(dir, 'models/revert')).metadata;
    expect(meta.featureNames).toEqual(['ret_1', 'vol_10']);
    expect(meta.label).toMatchObject({ kind: 'fwd-return', horizon: 1, threshold: 0 });
    expect(meta.trainingRows).toBe(1989);
    expect(meta.training).toMatchObject({ featureSource: '--features ret_1,vol_10', data: ['bars.csv'], options: { trees: 15, maxDepth: 3 } });

    const again = parity(args, { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/models\/revert already exists and is not empty: give another --out, or --force/);
    const forced = parity([...args, '--force', '--json'], { cwd: dir });
    expect(forced.code).toBe(0);
    const json = JSON.parse(forced.stdout) as { rows: number; folds: { auc: number; confusion: { tp: number } }[]; dataHash: string; meanAuc: number };
    expect(json.rows).toBe(1989);
    expect(json.folds).toHaveLength(3);
    expect(json.dataHash).toBe(meta.dataHash); // the same rows and labels
    expect(json.meanAuc).toBeGreaterThan(0.6);

    const shown = parity(['model', 'show', 'models/revert'], { cwd: dir });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/source +parity-gbdt/);
    expect(shown.stdout).toMatch(/features +ret_1, vol_10/);
    expect(shown.stdout).toMatch(/label +fwd-return:1:0/);
    expect(shown.stdout).toMatch(/training +2024-01-01T00:10:00.000Z .. 2024-01-02T09:18:00.000Z, 1989 rows/);
    expect(shown.stdout.match(/^ {2}fold \d: \d+ test rows, AUC 0\.\d{3}/gm)).toHaveLength(3);
  }, 120_000);

  it("takes the features from a strategy's declaration, in its order", () => {
    const { dir, bars } = workspace();
    const strategy = join(dir, 'ml.ts');
    writeFileSync(strategy, `import { defineStrategy, returns, volatility, z } from 'parity';
export default defineStrategy({
  name: 'ml-test', params: z.object({}), features: [volatility(5), returns(1)], model: 'models/ml',
  create() { return { onBar() {} }; },
});
`);
    const r = parity(['train', '--strategy', strategy, '--no-typecheck', '--data', bars, '--label', 'fwd-return:2:0', '--out', 'models/ml', '--folds', '2', '--trees', '5'], { cwd: dir });
    expect(r.stderr).toBe(''); // --out is the strategy's model: no note
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/features +vol_5, ret_1 +\(strategy .*ml\.ts \(ml-test\)\)/);
    expect(readModelFolder(join(dir, 'models/ml')).metadata.featureNames).toEqual(['vol_5', 'ret_1']);
    const elsewhere = parity(['train', '--strategy', strategy, '--no-typecheck', '--data', bars, '--label', 'fwd-return:2:0', '--out', 'models/other', '--folds', '1', '--trees', '2'], { cwd: dir });
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stderr).toMatch(/note: .*ml\.ts reads its model from models\/ml; this writes models\/other/);
  }, 60_000);

  it.each([
    [['--features', 'ret_1', '--label', 'fwd-return:0:0'], /label "fwd-return:0:0": the horizon H must be a whole number of bars >= 1/],
    [['--features', 'ret_1', '--label', 'up'], /label "up" is not of the form fwd-return:H:THRESH/],
    [['--label', 'fwd-return:1:0'], /exactly one of --features LIST .* or --strategy FILE/],
    [['--features', 'ret_1', '--strategy', 'x.ts', '--label', 'fwd-return:1:0'], /exactly one of --features/],
    [['--features', 'ret_1,momentum_3', '--label', 'fwd-return:1:0'], /unknown feature "momentum_3": known features are/],
    [['--features', 'ret_1,funding', '--label', 'fwd-return:1:0'], /feature funding reads funding rates: give --funding FILE/],
    [['--features', 'ret_1', '--label', 'fwd-return:1:0', '--folds', '0'], /--folds takes a whole number >= 1, got "0"/],
    [['--features', 'ret_1', '--label', 'fwd-return:1:0', '--folds', '5000'], /cannot make 5000 walk-forward folds .*use fewer --folds or more data/],
    [['--features', 'ret_1', '--label', 'fwd-return:1:0', '--depth', '30'], /--depth takes a whole number in 1..20, got "30"/],
    [['--features', 'ret_1', '--label', 'fwd-return:1:0', '--learning-rate', '0'], /--learning-rate takes a number in \(0, 1\]/],
  ])('refuses %j, saying what to do (exit 2)', (extra, message) => {
    const { dir, bars } = workspace();
    const r = parity(['train', '--data', bars, '--out', 'models/x', ...extra], { cwd: dir });
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'models/x'))).toBe(false);
  }, 60_000);

  it('refuses a missing bar file and names it', () => {
    const dir = tempDir('parity-train-cli-');
    const r = parity(['train', '--data', 'nope.csv', '--features', 'ret_1', '--label', 'fwd-return:1:0', '--out', 'models/x'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.csv/);
    expect(r.stderr).not.toMatch(/unexpected error/);
  });
});

describe('the training progress bar', () => {
  const stream = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, s: { isTTY, columns: 100, write: (c: string) => { out.push(c); return true; } } };
  };

  it('on a terminal: names the fold or the final model, redraws at most every 100 ms, always the last tree, and erases itself', () => {
    const { out, s } = stream(true);
    let t = 0;
    const bar = new TreeProgress(s, () => t);
    // 2 folds + the final model, 4 trees each: 12 trees.
    for (let d = 1; d <= 12; d++) { t += 40; bar.update(d, 12, 2, 4); }
    const lines = out.map((l) => l.replace('\r\x1b[2K', ''));
    expect(lines[0]).toBe(`train fold 1/2 [${'#'.repeat(3)}${'-'.repeat(27)}] 8% tree 1/12`);
    expect(lines.some((l) => l.startsWith('train fold 2/2'))).toBe(true);
    expect(lines.at(-1)).toBe(`train final model [${'#'.repeat(30)}] 100% tree 12/12`);
    expect(lines.length).toBeLessThan(12);
    bar.done();
    expect(out.at(-1)).toBe('\r\x1b[2K');
  });

  it('off a terminal: writes nothing', () => {
    const { out, s } = stream(false);
    const bar = new TreeProgress(s, () => 0);
    bar.update(1, 2, 1, 1);
    bar.done();
    expect(out).toEqual([]);
  });
});

describe('parity model import (CLI)', () => {
  it("imports LightGBM's model.txt with the file's feature names; onnxruntime reproduces LightGBM's probabilities", async () => {
    const dir = tempDir('parity-model-cli-');
    const r = parity(['model', 'import', join(ROOT, 'test/fixtures/lightgbm/model.txt'), '--out', 'models/lgb', '--label', 'fwd-return:5:0'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/imported model\.txt \(lightgbm, 30 trees, features ret_5, vol_30, rsi_14, zscore_20, funding\)/);
    const folder = join(dir, 'models/lgb');
    const meta = readModelFolder(folder).metadata;
    expect(meta).toMatchObject({ source: 'lightgbm', featureNames: ['ret_5', 'vol_30', 'rsi_14', 'zscore_20', 'funding'], trainingWindow: null, dataHash: null, label: { kind: 'fwd-return', horizon: 5 } });
    const rows = readFileSync(join(ROOT, 'test/fixtures/lightgbm/expected.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const values = new Float32Array(rows.flatMap((x) => x.slice(0, 5)));
    const predictor = await openOnnxPredictor(folder);
    try {
      const p = await predictor.predict(values, rows.length);
      let worst = 0;
      rows.forEach((x, i) => { worst = Math.max(worst, Math.abs(p[i]! - x[6]!)); });
      expect(worst).toBeLessThan(1e-6);
    } finally {
      await predictor.close?.();
    }
    const shown = parity(['model', 'show', 'models/lgb'], { cwd: dir });
    expect(shown.stdout).toMatch(/source +lightgbm/);
    expect(shown.stdout).toMatch(/training +window unknown/);
    // --features must agree with the names inside the file.
    const wrong = parity(['model', 'import', join(ROOT, 'test/fixtures/lightgbm/model.txt'), '--out', 'models/lgb2', '--features', 'a,b,c,d,e'], { cwd: dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/differs from the file's feature_names ret_5,vol_30,rsi_14,zscore_20,funding/);
  }, 60_000);

  it('imports an .onnx file only with --features, one name per input column', () => {
    const dir = tempDir('parity-model-cli-');
    expect(parity(['model', 'import', join(ROOT, 'test/fixtures/lightgbm/model.txt'), '--out', 'lgb'], { cwd: dir }).code).toBe(0);
    const onnx = join(dir, 'lgb/model.onnx');
    const none = parity(['model', 'import', onnx, '--out', 'models/o'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/does not name its inputs as features; give --features a,b,c/);
    const short = parity(['model', 'import', onnx, '--out', 'models/o', '--features', 'a,b'], { cwd: dir });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/takes 5 features but 2 feature names were given/);
    const ok = parity(['model', 'import', onnx, '--out', 'models/o', '--features', 'ret_5,vol_30,rsi_14,zscore_20,funding'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(readModelFolder(join(dir, 'models/o')).metadata.source).toBe('onnx');
  }, 60_000);

  it('refuses what is not a model, and show on a folder that is not one', () => {
    const dir = tempDir('parity-model-cli-');
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'junk.txt'), 'hello\n');
    const junk = parity(['model', 'import', 'junk.txt', '--out', 'm'], { cwd: dir });
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/junk\.txt line 1: .*is this a LightGBM model\.txt/);
    const missing = parity(['model', 'import', 'gone.txt', '--out', 'm'], { cwd: dir });
    expect(missing.stderr).toMatch(/gone\.txt does not exist/);
    const show = parity(['model', 'show', 'empty'], { cwd: dir });
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/no metadata\.json in empty/);
  }, 60_000);
});
