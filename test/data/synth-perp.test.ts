import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerData } from '../../src/cli/data.ts';
import { parseFundingCsv } from '../../src/data/funding.ts';
import { loadBars } from '../../src/data/load.ts';
import { formatTs } from '../../src/data/timestamps.ts';
import {
  FUNDING_INTERVAL_MS, MINUTE_MS, PERP_ML_DATASET, formatFundingCsv, formatIndexCsv, synthPerp, writePerpDataset, type SynthPerp,
} from '../../src/data/synth-perp.ts';
import { isOnGrid } from '../../src/domain/instrument.ts';
import { fixture } from './helpers.ts';

const START = Date.parse('2024-04-01T00:00:00Z');
const H = 10;

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n, mb = b.reduce((s, v) => s + v, 0) / n;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < n; i++) { num += (a[i]! - ma) * (b[i]! - mb); da += (a[i]! - ma) ** 2; db += (b[i]! - mb) ** 2; }
  return num / Math.sqrt(da * db);
}

/** The basis at each bar's close (perp over index) and the perp's log return over the next 10 bars. */
function basisVsForward(p: SynthPerp): { basis: number[]; forward: number[] } {
  const c = p.bars.close;
  const basis: number[] = [], forward: number[] = [];
  for (let i = 0; i + H < p.bars.length; i++) {
    basis.push(c[i]! / p.index[i]! - 1);
    forward.push(Math.log(c[i + H]! / c[i]!));
  }
  return { basis, forward };
}

/** Rank correlation: the fat tails would let a few jump bars decide a Pearson correlation. */
function spearman(a: readonly number[], b: readonly number[]): number {
  const ranks = (v: readonly number[]): number[] => {
    const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    order.forEach(([, i], k) => { r[i] = k; });
    return r;
  };
  return pearson(ranks(a), ranks(b));
}

function logReturns(c: Float64Array): number[] {
  const r: number[] = [];
  for (let i = 1; i < c.length; i++) r.push(Math.log(c[i]! / c[i - 1]!));
  return r;
}

async function data(args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  registerData(program);
  const err = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'parity', 'data', ...args]);
  } finally {
    process.stderr.write = err;
  }
}

function inTempDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parity-synth-perp-'));
  return Promise.resolve(fn(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe('synthPerp', () => {
  const p = synthPerp({ bars: 20_000, seed: 3 });

  it('is the same for the same seed and different for another', () => {
    const again = synthPerp({ bars: 20_000, seed: 3 });
    for (const k of ['ts', 'open', 'high', 'low', 'close', 'volume'] as const) expect(again.bars[k]).toEqual(p.bars[k]);
    expect(again.index).toEqual(p.index);
    expect(again.funding).toEqual(p.funding);
    const other = synthPerp({ bars: 20_000, seed: 4 });
    expect(other.bars.close).not.toEqual(p.bars.close);
    expect(other.funding).not.toEqual(p.funding);
  });

  it('writes valid minute bars for BTC/USDT:USDT on the 0.1 tick with positive volume on the 0.001 lot', () => {
    const b = p.bars;
    expect(b.symbol).toBe('BTC/USDT:USDT');
    expect(b.length).toBe(20_000);
    expect(b.ts[0]).toBe(START);
    const bad: string[] = [];
    for (let i = 0; i < b.length; i++) {
      const [o, h, l, c, v] = [b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, b.volume[i]!];
      if (i > 0 && b.ts[i]! - b.ts[i - 1]! !== MINUTE_MS) bad.push(`${i}: not the next minute`);
      if (i > 0 && o !== b.close[i - 1]) bad.push(`${i}: open is not the previous close`);
      if (!(h >= Math.max(o, c) && l <= Math.min(o, c) && l > 0)) bad.push(`${i}: OHLC ${o} ${h} ${l} ${c}`);
      if (![o, h, l, c].every((x) => isOnGrid(x, 0.1))) bad.push(`${i}: off the tick`);
      if (!(v > 0 && isOnGrid(v, 0.001))) bad.push(`${i}: volume ${v}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('has fat tails and volatility clustering, as synth.ts bars do', () => {
    const r = logReturns(p.bars.close);
    const m = r.reduce((s, v) => s + v, 0) / r.length;
    const m2 = r.reduce((s, v) => s + (v - m) ** 2, 0) / r.length;
    const m4 = r.reduce((s, v) => s + (v - m) ** 4, 0) / r.length;
    expect(m4 / (m2 * m2) - 3).toBeGreaterThan(3);
    const abs = r.map(Math.abs);
    expect(pearson(abs.slice(1), abs.slice(0, -1))).toBeGreaterThan(0.1);
  });

  it('gives one index price per bar, on the tick, near the perp', () => {
    expect(p.index).toHaveLength(p.bars.length);
    for (let i = 0; i < p.bars.length; i++) {
      const x = p.index[i]!;
      if (!(isOnGrid(x, 0.1) && Math.abs(p.bars.close[i]! / x - 1) < 0.01)) throw new Error(`bar ${i}: index ${x} vs close ${p.bars.close[i]}`);
    }
    const lines = formatIndexCsv(p.bars, p.index).trim().split('\n');
    expect(lines[0]).toBe('ts,symbol,price');
    expect(lines).toHaveLength(p.bars.length + 1);
    expect(lines[1]).toBe(`${formatTs(START)},BTC/USDT:USDT,${p.index[0]}`);
    expect(lines.at(-1)).toBe(`${formatTs(p.bars.ts[p.bars.length - 1]!)},BTC/USDT:USDT,${p.index[p.bars.length - 1]}`);
  });

  it('sets a funding rate at every 8 h boundary from the first bar to the last close, from bars already closed', () => {
    const last = p.bars.ts[p.bars.length - 1]! + MINUTE_MS;
    const expected: number[] = [];
    for (let t = START; t <= last; t += FUNDING_INTERVAL_MS) expected.push(t);
    expect(p.funding.map((f) => f.ts)).toEqual(expected);
    expect(expected.every((t) => new Date(t).getUTCHours() % 8 === 0 && t % 3_600_000 === 0)).toBe(true);
    expect(p.funding.every((f) => Math.abs(f.rate) <= 0.0075 && Number.isInteger(Math.round(f.rate * 1e6)))).toBe(true);
    // The rate follows the premium of the interval it closes (funding leans against the crowded side).
    const mean: number[] = [], rates: number[] = [];
    for (const f of p.funding.slice(1)) {
      let s = 0, k = 0;
      for (let i = 0; i < p.bars.length; i++) {
        const close = p.bars.ts[i]! + MINUTE_MS;
        if (close > f.ts - FUNDING_INTERVAL_MS && close <= f.ts) { s += p.bars.close[i]! / p.index[i]! - 1; k++; }
      }
      mean.push(s / k);
      rates.push(f.rate);
    }
    expect(pearson(mean, rates)).toBeGreaterThan(0.7);
    const parsed = parseFundingCsv(formatFundingCsv('BTC/USDT:USDT', p.funding), 'funding.csv');
    expect(parsed['BTC/USDT:USDT']).toEqual(p.funding);
  });

  it('has a rich basis predict a falling perp over the next 10 bars, and not when the structure is off', () => {
    // Wide margins: over seeds 1-20 the process gives -0.20 to -0.26, the control -0.04 to +0.03.
    const withIt = basisVsForward(p);
    expect(spearman(withIt.basis, withIt.forward)).toBeLessThan(-0.12);
    // Same noise, same basis size, but the index carries the dislocation: the perp is a pure walk.
    const without = basisVsForward(synthPerp({ bars: 20_000, seed: 3, structure: 0 }));
    expect(Math.abs(spearman(without.basis, without.forward))).toBeLessThan(0.08);
  });

  it('refuses options it cannot honour', () => {
    expect(() => synthPerp({ bars: 1.5, seed: 1 })).toThrow('whole number');
    expect(() => synthPerp({ bars: 10, seed: 1, start: START + 1 })).toThrow('whole minute');
    expect(() => synthPerp({ bars: 10, seed: 1, structure: 2 })).toThrow('[0, 1]');
    expect(() => writePerpDataset({ dir: '/nonexistent', seed: 1, trainDays: 0, testDays: 1 })).toThrow('trainDays');
  });
});

describe('parity data synth-perp', () => {
  it('writes train and test bars that continue each other, and funding and index files covering both', () =>
    inTempDir(async (dir) => {
      await data(['synth-perp', '--dir', dir, '--seed', '9', '--train-days', '2', '--test-days', '1', '--start', '2024-04-01']);
      const [train] = loadBars(join(dir, 'train-1m.csv'));
      const [test] = loadBars(join(dir, 'test-1m.csv'));
      expect(train!.symbol).toBe('BTC/USDT:USDT');
      expect([train!.length, test!.length]).toEqual([2880, 1440]);
      expect(test!.ts[0]).toBe(train!.ts[train!.length - 1]! + MINUTE_MS);
      expect(test!.open[0]).toBe(train!.close[train!.length - 1]);
      const whole = synthPerp({ bars: 4320, seed: 9 });
      expect(Array.from(test!.close)).toEqual(Array.from(whole.bars.close.slice(2880)));
      const funding = parseFundingCsv(readFileSync(join(dir, 'funding.csv'), 'utf8'), 'funding.csv')['BTC/USDT:USDT']!;
      expect(funding.map((f) => formatTs(f.ts))).toEqual(['2024-04-01T00:00:00Z', ...Array.from({ length: 9 }, (_, k) => formatTs(START + (k + 1) * FUNDING_INTERVAL_MS))]);
      expect(readFileSync(join(dir, 'index.csv'), 'utf8')).toBe(formatIndexCsv(whole.bars, whole.index));
    }));

  it('data/perp-ml is exactly what the documented command writes', () =>
    inTempDir(async (dir) => {
      const d = PERP_ML_DATASET;
      await data(['synth-perp', '--dir', dir, '--seed', String(d.seed), '--start', d.start, '--train-days', String(d.trainDays), '--test-days', String(d.testDays)]);
      const readme = readFileSync(fixture('../../../data/perp-ml/README.md'), 'utf8');
      expect(readme).toContain(`npx parity data synth-perp --dir ${d.dir} --seed ${d.seed} --start ${d.start} --train-days ${d.trainDays} --test-days ${d.testDays}`);
      for (const f of ['train-1m.csv', 'test-1m.csv', 'funding.csv', 'index.csv']) {
        expect(readFileSync(join(dir, f), 'utf8') === readFileSync(fixture(`../../../data/perp-ml/${f}`), 'utf8'), f).toBe(true);
      }
    }));
});
