/**
 * A backtest of a perpetual strategy (strategies/perp-trend.ts) books fees, funding and a
 * liquidation, and its summary shows each (text and --json); a spot backtest's summary is as it was.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.ts';
import { runBacktest } from '../../src/modes/backtest.ts';
import { renderSummary, summaryJson } from '../../src/backtest/report.ts';

const SYM = 'BTC/USDT:USDT';
const START = Date.UTC(2024, 2, 4, 7, 0);

/** Flat for an hour, a steady rise past 16:00 (a funding boundary), then an 8% crash in one bar. */
function writeData(dir: string): { bars: string; funding: string } {
  const rows = ['timestamp,symbol,open,high,low,close,volume'];
  let prev = 60_000;
  const closes: number[] = [];
  for (let i = 0; i < 60; i++) closes.push(60_000);
  for (let i = 0; i < 560; i++) closes.push(60_000 + i + 1);
  const top = closes[closes.length - 1]!;
  closes.push(Math.round(top * 0.92), Math.round(top * 0.92));
  closes.forEach((c, i) => {
    const o = prev;
    rows.push(`${new Date(START + i * 60_000).toISOString()},${SYM},${o},${Math.max(o, c)},${Math.min(o, c)},${c},10`);
    prev = c;
  });
  const bars = join(dir, 'swap-1m.csv');
  writeFileSync(bars, `${rows.join('\n')}\n`);
  const funding = join(dir, 'funding.csv');
  writeFileSync(funding, `ts,symbol,rate\n2024-03-04T16:00:00Z,${SYM},0.0003\n`);
  return { bars, funding };
}

const perpConfig = (files: { bars: string; funding?: string }) => ConfigSchema.parse({
  account: { currency: 'USDT', cash: 10_000, type: 'margin', fxRates: { USDT: 1 } },
  venue: { commission: { model: 'crypto', makerBps: 2, takerBps: 5 } },
  strategy: { file: 'strategies/perp-trend.ts', params: { fast: 5, slow: 20, exposure: 0.9 } },
  data: { files: [files.bars], ...(files.funding !== undefined ? { funding: files.funding } : {}) },
  instruments: [{ symbol: SYM, perp: { leverage: 20 } }],
});

describe('perpetual backtest', () => {
  it('books fees, funding at 16:00 and one liquidation; the summary and --json show each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perp-bt-'));
    const files = writeData(dir);
    const r = await runBacktest(perpConfig(files));
    const s = r.summary;
    const acct = r.engine.portfolio.account();
    expect(r.counts).toEqual({ errors: 0, rejections: 0, denials: 0 });
    expect(s.perp).toBeDefined();
    const perp = s.perp!;
    // Long 2.999 BTC (90% of 10,000 x 20 at 60,001, whole lots) at 16:00: one payment at the file's 0.03%.
    expect(perp.fundingPayments).toBe(1);
    expect(perp.funding).toBeLessThan(0);
    expect(perp.funding).toBeCloseTo(acct.funding, 8);
    expect(perp.funding).toBeCloseTo(-2.999 * 60_480 * 0.0003, 6); // qty x mark x rate, mark = the 15:59 close
    expect(perp.liquidations).toBe(1);
    expect(acct.liquidations).toBe(1);
    expect(perp.liquidationFees).toBeGreaterThan(0);
    expect(s.fees).toBeCloseTo(acct.fees, 6); // commissions and the liquidation fee, as the ledger has them
    expect(s.fees).toBeGreaterThan(perp.liquidationFees);
    expect(r.engine.portfolio.qty(SYM)).toBe(0);
    const text = renderSummary(s, { color: false });
    expect(text).toMatch(/Funding\s+-\d+\.\d\d \(1 payment\)/);
    expect(text).toMatch(/Liquidations\s+1 \(fees \d+\.\d\d\)/);
    expect(text).toMatch(/Fees\s+\d/);
    const json = summaryJson(s);
    expect(json).toMatchObject({ fundingPayments: 1, liquidations: 1 });
    expect(json.funding).toBeLessThan(0);
    expect(json.liquidationFees).toBeGreaterThan(0);
  });

  it('without a funding file the spec constant (0.01%) applies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perp-bt-'));
    const files = writeData(dir);
    const withFile = await runBacktest(perpConfig(files));
    const constant = await runBacktest(perpConfig({ bars: files.bars }));
    expect(constant.summary.perp!.funding / withFile.summary.perp!.funding).toBeCloseTo(1 / 3, 6);
  });

  it('a spot backtest shows neither funding nor liquidations', async () => {
    const r = await runBacktest(ConfigSchema.parse({ data: { files: ['data/sample/BTC-USD-1m.csv'] } }));
    expect(r.summary.perp).toBeUndefined();
    const text = renderSummary(r.summary, { color: false });
    expect(text).not.toMatch(/Funding|Liquidations/);
    expect(Object.keys(summaryJson(r.summary))).not.toContain('funding');
  });
});
