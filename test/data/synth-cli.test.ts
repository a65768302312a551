import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerData } from '../../src/cli/data.ts';
import { loadBars } from '../../src/data/load.ts';

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

describe('parity data synth', () => {
  it('writes a symbol column, so the file says what it is whatever its name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-synth-'));
    try {
      const path = join(dir, 'big.csv');
      await data(['synth', '--bars', '20', '--out', path, '--symbol', 'ETH-USD', '--seed', '3']);
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      expect(lines[0]).toBe('timestamp,symbol,open,high,low,close,volume');
      expect(lines).toHaveLength(21);
      expect(lines.slice(1).every((l) => l.split(',')[1] === 'ETH-USD')).toBe(true);
      const series = loadBars(path);
      expect(series.map((s) => [s.symbol, s.length])).toEqual([['ETH-USD', 20]]);
      // --symbol at load time still renames a one-symbol file, as for any file with a symbol column.
      expect(loadBars(path, { symbol: 'ETH-USDT' })[0]!.symbol).toBe('ETH-USDT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parity data convert', () => {
  it('writes Parquet that loads to the same bars, and refuses --codec for a text output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-convert-'));
    try {
      const csv = join(dir, 'ETH-USD.csv');
      await data(['synth', '--bars', '50', '--out', csv, '--symbol', 'ETH-USD']);
      const pq = join(dir, 'x.parquet');
      await data(['convert', csv, pq, '--codec', 'gzip']);
      expect(loadBars(pq).map((s) => ({ ...s, source: csv }))).toEqual(loadBars(csv));
      await expect(data(['convert', csv, join(dir, 'x.jsonl'), '--codec', 'gzip'])).rejects.toThrow('--codec is for Parquet output only');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
