/**
 * Budget: ~11 spawns of the real CLI, about 4 s each.
 *
 * A hostile user against parity's ML path, through the real `bin/parity.js`: broken model folders,
 * side files of the wrong symbol, a strategy whose features throw, a run missing the side data its
 * features read. Each must end in one line that says what to fix and exit 2, never the
 * "unexpected error (a bug ...)" trace, and must not touch the shipped model.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parity, ROOT, tempDir } from '../cli/helpers.ts';

const SHIPPED = join(ROOT, 'models/perp-ml');
const DATA = join(ROOT, 'data/perp-ml');

/** The first `n` bars of a shipped data file, written to `dir`. */
function headOf(file: string, n: number, dir: string): string {
  const out = join(dir, `head-${n}.csv`);
  writeFileSync(out, `${readFileSync(join(DATA, file), 'utf8').split('\n').slice(0, n + 1).join('\n')}\n`);
  return out;
}

/** strategies/perp-ml.ts and a copy of its model folder in `dir`, so the copy can be broken. */
function strategyWithModelCopy(dir: string): { strategy: string; model: string } {
  mkdirSync(join(dir, 'strategies'), { recursive: true });
  cpSync(join(ROOT, 'strategies/perp-ml.ts'), join(dir, 'strategies/perp-ml.ts'));
  cpSync(SHIPPED, join(dir, 'models/perp-ml'), { recursive: true });
  return { strategy: join(dir, 'strategies/perp-ml.ts'), model: join(dir, 'models/perp-ml') };
}

function expectUsageError(r: { code: number | null; stderr: string }, ...mentions: string[]): void {
  expect(r.stderr).not.toContain('unexpected error');
  expect(r.code).toBe(2);
  for (const m of mentions) expect(r.stderr).toContain(m);
}

const shippedHash = (): string => createHash('sha256').update(readFileSync(join(SHIPPED, 'model.onnx'))).update(readFileSync(join(SHIPPED, 'metadata.json'))).digest('hex');

describe('parity backtest of a strategy with a model, on hostile inputs', () => {
  it('a feature reading index prices, and no --index: one line naming --index, exit 2', () => {
    const dir = tempDir('parity-ml-hostile-');
    const bars = headOf('test-1m.csv', 200, dir);
    const r = parity(['backtest', '-s', 'strategies/perp-ml.ts', '-d', bars, '--funding', join(DATA, 'funding.csv')]);
    expectUsageError(r, 'basis', '--index');
  });

  it('a funding file of another symbol: refused before the run, not 0 trades and exit 0', () => {
    const dir = tempDir('parity-ml-hostile-');
    const bars = headOf('test-1m.csv', 200, dir);
    const funding = join(dir, 'funding-eth.csv');
    writeFileSync(funding, readFileSync(join(DATA, 'funding.csv'), 'utf8').replaceAll('BTC/USDT:USDT', 'ETH/USDT:USDT'));
    const r = parity(['backtest', '-s', 'strategies/perp-ml.ts', '-d', bars, '--funding', funding, '--index', join(DATA, 'index.csv')]);
    expectUsageError(r, '--funding', 'BTC/USDT:USDT', 'ETH/USDT:USDT');
  });

  it('a model folder whose metadata.json is cut short: names the file, exit 2', () => {
    const dir = tempDir('parity-ml-hostile-');
    const { strategy, model } = strategyWithModelCopy(dir);
    writeFileSync(join(model, 'metadata.json'), '{"version":1');
    const bars = headOf('test-1m.csv', 200, dir);
    const r = parity(['backtest', '-s', strategy, '-d', bars, '--funding', join(DATA, 'funding.csv'), '--index', join(DATA, 'index.csv')]);
    expectUsageError(r, join(model, 'metadata.json'));
  });

  it('a model.onnx replaced by random bytes: names the file, exit 2', () => {
    const dir = tempDir('parity-ml-hostile-');
    const { strategy, model } = strategyWithModelCopy(dir);
    let a = 12345;
    writeFileSync(join(model, 'model.onnx'), Uint8Array.from({ length: 4096 }, () => { a = (a * 1103515245 + 12345) >>> 0; return a >>> 24; }));
    const bars = headOf('test-1m.csv', 200, dir);
    const r = parity(['backtest', '-s', strategy, '-d', bars, '--funding', join(DATA, 'funding.csv'), '--index', join(DATA, 'index.csv')]);
    expectUsageError(r, join(model, 'model.onnx'));
  });
});

describe('parity model show on a hostile folder', () => {
  it('model.onnx is a folder: says so, exit 2', () => {
    const dir = tempDir('parity-ml-hostile-');
    const folder = join(dir, 'm');
    cpSync(SHIPPED, folder, { recursive: true });
    rmSync(join(folder, 'model.onnx'));
    mkdirSync(join(folder, 'model.onnx'));
    const r = parity(['model', 'show', folder]);
    expectUsageError(r, join(folder, 'model.onnx'), 'not a file');
  });

  it('metadata.json is a folder: says so, exit 2', () => {
    const dir = tempDir('parity-ml-hostile-');
    const folder = join(dir, 'm');
    cpSync(SHIPPED, folder, { recursive: true });
    rmSync(join(folder, 'metadata.json'));
    mkdirSync(join(folder, 'metadata.json'));
    const r = parity(['model', 'show', folder]);
    expectUsageError(r, join(folder, 'metadata.json'), 'not a file');
  });
});

describe('parity model show, more', () => {
  it('the model.onnx file given instead of its folder: says to give the folder', () => {
    const r = parity(['model', 'show', 'models/perp-ml/model.onnx']);
    expectUsageError(r, 'models/perp-ml/model.onnx', 'is a file', 'models/perp-ml');
  });

  it('metadata naming 100 000 features for an 11-input ONNX: a short line, not every name', () => {
    const dir = tempDir('parity-ml-hostile-');
    const folder = join(dir, 'm');
    cpSync(SHIPPED, folder, { recursive: true });
    const meta = JSON.parse(readFileSync(join(folder, 'metadata.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(folder, 'metadata.json'), JSON.stringify({ ...meta, featureNames: Array.from({ length: 100_000 }, (_, i) => `ret_${i + 1}`), referenceBins: [] }));
    const r = parity(['model', 'show', folder]);
    expectUsageError(r, 'takes 11 features', '100000');
    expect(r.stderr.length).toBeLessThan(2000);
  });
});

describe('parity train on hostile inputs', () => {
  it('a funding file of another symbol: names the file and both symbols, not "give more bars"', () => {
    const dir = tempDir('parity-ml-hostile-');
    const bars = headOf('train-1m.csv', 1500, dir);
    const funding = join(dir, 'funding-eth.csv');
    writeFileSync(funding, readFileSync(join(DATA, 'funding.csv'), 'utf8').replaceAll('BTC/USDT:USDT', 'ETH/USDT:USDT'));
    const r = parity(['train', '--features', 'ret_5,funding', '-d', bars, '--funding', funding, '--label', 'fwd-return:10:0', '--out', join(dir, 'out')]);
    expectUsageError(r, 'funding', 'BTC/USDT:USDT', 'ETH/USDT:USDT');
    expect(r.stderr).not.toContain('give more bars');
  });

  it('a strategy whose features throw: one line naming the strategy, exit 2, nothing written', () => {
    const dir = tempDir('parity-ml-hostile-');
    const bars = headOf('train-1m.csv', 500, dir);
    const strategy = join(dir, 'throwing.ts');
    writeFileSync(strategy, `import { defineStrategy, z } from 'parity';
export default defineStrategy({
  name: 'throwing', params: z.object({}),
  get features(): never { throw new Error('feature table not loaded'); },
  create() { return { onBar() {} }; },
});
`);
    const out = join(dir, 'out');
    const r = parity(['train', '--strategy', strategy, '-d', bars, '--label', 'fwd-return:10:0', '--out', out]);
    expectUsageError(r, strategy, 'feature table not loaded');
    expect(existsSync(out)).toBe(false);
  });

  it('--out under a file: refused before training (not a crash after it), for train and for model import', () => {
    const dir = tempDir('parity-ml-hostile-');
    const bars = headOf('train-1m.csv', 500, dir);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder\n');
    const train = parity(['train', '--features', 'ret_5,vol_30', '-d', bars, '--label', 'fwd-return:10:0', '--folds', '2', '--trees', '5', '--out', join(file, 'm')]);
    expectUsageError(train, file, 'not a folder');
    expect(train.stderr).not.toMatch(/fold \d/);
    const imp = parity(['model', 'import', join(ROOT, 'test/fixtures/lightgbm/model.txt'), '--out', join(file, 'm')]);
    expectUsageError(imp, file, 'not a folder');
  });

  it('--out the shipped model without --force: refused, the shipped model untouched', () => {
    const before = shippedHash();
    const dir = tempDir('parity-ml-hostile-');
    const bars = headOf('train-1m.csv', 500, dir);
    const r = parity(['train', '--features', 'ret_5,vol_30', '-d', bars, '--label', 'fwd-return:10:0', '--out', 'models/perp-ml']);
    expectUsageError(r, '--force');
    expect(shippedHash()).toBe(before);
  });
});
