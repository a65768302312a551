// Budget: 75 s for this file on the 2-core CI machine (68 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parity, ROOT, tempDir } from './helpers.ts';

const SAMPLE = 'data/sample/BTC-USD-1m.csv';

/**
 * The plain backtest of the sample (`--data SAMPLE --json`), run once and read by every test that
 * needs it (a spawn costs about 3 s here; the output is read-only, and the determinism test below
 * proves two runs give the same bytes).
 */
let baselineRun: ReturnType<typeof parity> | undefined;
const baseline = (): ReturnType<typeof parity> => (baselineRun ??= parity(['backtest', '--data', SAMPLE, '--json']));

/** The same bars with no symbol column (the loader then guesses the symbol from the file name). */
function withoutSymbolColumn(csv: string): string {
  const rows = csv.split('\n').map((l) => l.split(','));
  const i = rows[0]!.indexOf('symbol');
  return i < 0 ? csv : rows.map((r) => r.filter((_, j) => j !== i).join(',')).join('\n');
}

describe('parity backtest (CLI)', () => {
  it('prints a JSON summary with the documented keys', () => {
    const r = baseline();
    // The sample names its symbol (a symbol column): nothing to warn about.
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, number>;
    for (const k of ['trades', 'fills', 'fees', 'finalEquity', 'totalReturn', 'maxDrawdown', 'sharpe']) expect(s).toHaveProperty(k);
    expect(s.maxDrawdown).toBeGreaterThanOrEqual(0);
    expect(s.fills).toBeGreaterThan(0);
  });

  it('is deterministic: the same backtest twice gives byte-identical outputs', () => {
    const a = tempDir();
    const b = tempDir();
    const r1 = parity(['backtest', '-d', SAMPLE, '--commission-bps', '5', '--slippage-bps', '2', '--out', a, '--json']);
    const r2 = parity(['backtest', '-d', SAMPLE, '--commission-bps', '5', '--slippage-bps', '2', '--out', b, '--json']);
    expect(r1.code).toBe(0);
    expect(r1.stdout).toBe(r2.stdout);
    for (const f of ['orders.csv', 'fills.csv', 'equity.csv']) {
      expect(readFileSync(join(a, f))).toEqual(readFileSync(join(b, f)));
    }
  });

  it('repeatable flags take one value each and do not swallow what follows', () => {
    const r = parity(['backtest', '--param', 'fast=5', '--data', SAMPLE, '--param', 'slow=20', '--json']);
    expect(r.code).toBe(0);
    const base = JSON.parse(baseline().stdout) as { fills: number };
    expect((JSON.parse(r.stdout) as { fills: number }).fills).not.toBe(base.fills);
  });

  it('costs move results the expected way', () => {
    const free = JSON.parse(baseline().stdout) as { fees: number; finalEquity: number };
    const paid = JSON.parse(parity(['backtest', '-d', SAMPLE, '--commission-bps', '10', '--json']).stdout) as { fees: number; finalEquity: number };
    expect(free.fees).toBe(0);
    expect(paid.fees).toBeGreaterThan(0);
    expect(paid.finalEquity).toBeLessThan(free.finalEquity);
  });

  it.each([
    ['high below low', 'timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,10,11,9,10,5\n2024-01-01T00:01:00Z,10,9,11,10,5\n', /bad\.csv:3: .*high/],
    ['duplicate timestamp', 'timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,10,11,9,10,5\n2024-01-01T00:00:00Z,10,11,9,10,5\n', /bad\.csv:3: .*(duplicate|increas)/i],
    ['naive timestamp without --tz', 'timestamp,open,high,low,close,volume\n2024-01-01 09:30:00,10,11,9,10,5\n', /bad\.csv:2: .*--tz/],
    ['NaN price', 'timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,10,11,9,abc,5\n', /bad\.csv:2: .*close/],
    ['zero price', 'timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,0,11,0,10,5\n', /bad\.csv:2: /],
  ])('refuses bad data (%s) with file and line, exit 2', (_name, text, re) => {
    const dir = tempDir();
    const file = join(dir, 'bad.csv');
    writeFileSync(file, text);
    const r = parity(['backtest', '--data', file, '--symbol', 'AAPL']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(/unexpected error/);
  });

  it('a misspelt config key names the key and what is allowed', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'parity.config.json'), JSON.stringify({ acount: { cash: 5 }, venue: { comission: 1 } }));
    const r = parity(['backtest', '--config', join(dir, 'parity.config.json'), '-d', SAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key "acount"/);
    expect(r.stderr).toMatch(/venue: unknown key "comission"/);
    expect(r.stderr).toMatch(/allowed top-level keys: account, venue/);
  });

  it('an unknown strategy parameter lists the known ones', () => {
    const r = parity(['backtest', '-d', SAMPLE, '--param', 'fsat=3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no parameter "fsat"; it takes: fast, slow, qty/);
  });

  it('a strategy that reads the wall clock is refused at load, with the line', () => {
    const dir = tempDir();
    const file = join(dir, 'clocky.ts');
    writeFileSync(file, "import { defineStrategy, z } from 'parity';\nexport default defineStrategy({ name: 'c', params: z.object({}), create() {\n  return { onBar() { const t = Date.now(); void t; } };\n} });\n");
    const r = parity(['backtest', '-d', SAMPLE, '--strategy', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/clocky\.ts:3: .*Date\.now/);
    expect(r.stderr).toMatch(/use ctx\.now\(\) instead/);
  });
});

describe('several instruments in one account', () => {
  it('two files feed one engine and one ledger; --from/--to cut the window', () => {
    const dir = tempDir();
    const eth = join(dir, 'ETH-USD-1m.csv');
    expect(parity(['data', 'synth', '--bars', '2000', '--seed', '5', '--symbol', 'ETH-USD', '--start', '2024-03-04T00:00:00Z', '--out', eth]).code).toBe(0);
    const both = parity(['backtest', '-d', SAMPLE, '-d', eth, '--out', dir, '--json']);
    expect(both.code).toBe(0);
    const fills = readFileSync(join(dir, 'fills.csv'), 'utf8');
    expect(fills).toMatch(/BTC-USD/);
    expect(fills).toMatch(/ETH-USD/);
    const windowed = JSON.parse(parity(['backtest', '-d', SAMPLE, '--from', '2024-03-05', '--to', '2024-03-06', '--json']).stdout) as { bars: number; from: string };
    expect(windowed.bars).toBe(1440);
    expect(windowed.from).toMatch(/^2024-03-05T00:00/);
  });
});

describe('parity backtest says what it ran', () => {
  it('big.csv without a symbol column: the guessed equity BIG is a warning, in the summary and the JSON', () => {
    const dir = tempDir();
    const file = join(dir, 'big.csv');
    writeFileSync(file, withoutSymbolColumn(readFileSync(SAMPLE, 'utf8')));
    const human = parity(['backtest', '-d', file]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Symbol\s+BIG\s+equity\s+spec: default for equity\n\s+WARNING: symbol guessed from the file name$/m);
    expect(human.stdout).toMatch(/Strategy\s+sma-cross\s+strategies\/sma-cross\.ts\s+fast=10 slow=30/);
    expect(human.stdout).toMatch(/Data\s+2024-03-04 00:00 \.\. 2024-03-06 23:59 UTC \(4,320 bars, 3\.0 d\)/);
    expect(human.stdout).toMatch(/CAGR\s+n\/a \(span 3\.0 d < 30 d\)/);
    expect(human.stderr).toMatch(/warning: symbol BIG was guessed from the file name .*big\.csv/);
    const j = JSON.parse(parity(['backtest', '-d', file, '--json']).stdout) as {
      instruments: { symbol: string; assetClass: string; specSource: string; symbolFrom: string }[]; cagr: number | null; bars: number;
    };
    expect(j.instruments).toEqual([expect.objectContaining({ symbol: 'BIG', assetClass: 'equity', specSource: 'default', symbolFrom: 'file name' })]);
    expect(j.cagr).toBeNull();
    expect(j.bars).toBe(4320);
  });

  it('--symbol names it: no warning, the spec source is still said', () => {
    const r = parity(['backtest', '-d', SAMPLE, '--symbol', 'ETH-USD']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Symbol\s+ETH-USD\s+crypto_spot\s+spec: default for crypto_spot$/m);
    expect(r.stderr).not.toMatch(/guessed/);
  });
});

describe('parity backtest summary layout', () => {
  const summaryLines = (stdout: string): string[] => stdout.slice(0, stdout.indexOf('\n\n') >= 0 ? stdout.indexOf('\n\n') : undefined).split('\n');

  it('says the span once (the Data line), not again as a Period in another format', () => {
    const r = parity(['backtest', '-d', SAMPLE, '--symbol', 'BTC-USD']);
    expect(r.code).toBe(0);
    const head = summaryLines(r.stdout);
    expect(head.filter((l) => /^Data\s/.test(l))).toEqual(['Data          2024-03-04 00:00 .. 2024-03-06 23:59 UTC (4,320 bars, 3.0 d)']);
    expect(head.filter((l) => /^Period\s|bars\)/.test(l) && !/^Data\s/.test(l))).toEqual([]);
    // --json: one span too (the run's from / to / bars), no second copy under "data".
    const j = JSON.parse(parity(['backtest', '-d', SAMPLE, '--symbol', 'BTC-USD', '--json']).stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ bars: 4320, from: '2024-03-04T00:00:00.000Z', to: '2024-03-06T23:59:00.000Z' });
    expect(j).not.toHaveProperty('data');
  });

  it('a run stopped by a strategy error: figures that cannot be computed are n/a (null in JSON), never 0.00', () => {
    const strategy = join(ROOT, 'test/cli/fixtures/throws-at.ts');
    const r = parity(['backtest', '-d', SAMPLE, '--symbol', 'BTC-USD', '-s', strategy]);
    expect(r.code).toBe(1);
    const head = summaryLines(r.stdout);
    expect(head.join('\n')).toMatch(/^Stopped\s+by a strategy error at 2024-03-04 00:00 UTC \(1 of 4,320 bars\)/m);
    expect(head.join('\n')).toMatch(/^Sharpe\s+n\/a\b/m);
    expect(head.join('\n')).toMatch(/Sortino\s+n\/a\b/m);
    expect(head.join('\n')).toMatch(/Win rate\s+n\/a \(no trades\)/m);
    expect(head.join('\n')).not.toMatch(/0\.00 \(0\.0 d\)|\(1 bars\)/);
    const j = JSON.parse(parity(['backtest', '-d', SAMPLE, '--symbol', 'BTC-USD', '-s', strategy, '--json']).stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ completed: false, sharpe: null, sortino: null, winRate: null, bars: 1 });
  });

  it('every summary line fits 80 columns, the guessed-symbol warning on its own line', () => {
    const dir = tempDir();
    const file = join(dir, 'BTC-USD-1m.csv');
    writeFileSync(file, withoutSymbolColumn(readFileSync(SAMPLE, 'utf8')));
    const r = parity(['backtest', '-d', file]);
    expect(r.code).toBe(0);
    const head = summaryLines(r.stdout);
    expect(head.filter((l) => l.length > 80)).toEqual([]);
    expect(head.join('\n')).toMatch(/^Symbol\s+BTC-USD\s+crypto_spot\s+spec: default for crypto_spot\n\s+WARNING: symbol guessed from the file name$/m);
  });
});
