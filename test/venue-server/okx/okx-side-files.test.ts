/**
 * The OKX fake's side inputs (--funding FILE, --index FILE) through the real ccxt SDK: settled
 * funding rates up to the fake's now (funding-rate-history, booked at the file's instants with the
 * file's rates) and the index candles of played minutes (index-candles / history-index-candles).
 * Without the files the fake keeps its fixed funding clock and says where index prices come from.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';
import { runCryptoVenue } from '../../../src/cli/venue-crypto.ts';

const T0 = Date.UTC(2024, 3, 1, 0, 0, 0);
const MIN = 60_000;
const H8 = 8 * 3_600_000;

function files(): { bars: string; funding: string; index: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parity-okx-side-'));
  const bars = ['timestamp,symbol,open,high,low,close,volume'];
  const index = ['ts,symbol,price'];
  for (let i = 0; i < 10; i++) {
    const ts = new Date(T0 + i * MIN).toISOString();
    bars.push(`${ts},BTC/USDT:USDT,${60_000 + i},${60_010 + i},${59_990 + i},${60_005 + i},10`);
    index.push(`${ts},BTC/USDT:USDT,${59_990 + i * 1.5}`);
  }
  // Funding at 00:00, 00:03 (a file need not keep 8 h) and 08:00 (never reached by the test's clock).
  const funding = ['ts,symbol,rate', `${new Date(T0).toISOString()},BTC/USDT:USDT,-0.0004`, `${T0 + 3 * MIN},BTC/USDT:USDT,0.00025`, `${T0 + H8},BTC/USDT:USDT,0.0009`];
  const w = (name: string, lines: string[]) => { const p = join(dir, name); writeFileSync(p, lines.join('\n') + '\n'); return p; };
  return { bars: w('bars.csv', bars), funding: w('funding.csv', funding), index: w('index.csv', index) };
}

function client(fake: OkxFake) {
  return new ccxt.okx({
    apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: fake.credentials.passphrase, enableRateLimit: false,
    headers: { 'x-simulated-trading': '1' }, urls: { api: { rest: fake.restUrl, ws: fake.wsUrl } }, options: { fetchMarkets: { types: ['spot', 'swap'] } },
  });
}

describe('OKX fake side inputs', () => {
  let fake: OkxFake | undefined;
  let ex: ReturnType<typeof client> | undefined;
  afterEach(async () => {
    await ex?.close();
    await fake?.close();
    ex = undefined;
    fake = undefined;
  });

  it('serves settled funding rates (realizedRate, the one ccxt reads) up to its now, and books them at the file\'s instants', async () => {
    const f = files();
    fake = await startOkxFake({ port: 0, speed: 0, data: [f.bars], funding: f.funding, index: f.index, startTime: T0 - 1 });
    ex = client(fake);
    await ex.loadMarkets();
    expect(await ex.fetchFundingRateHistory('BTC/USDT:USDT')).toEqual([]);
    fake.admin.advance(2 * MIN + 1); // now T0 + 2 min: the 00:00 rate is settled, the 00:03 one not yet
    const early = await ex.fetchFundingRateHistory('BTC/USDT:USDT');
    expect(early.map((r) => [r.timestamp, r.fundingRate])).toEqual([[T0, -0.0004]]);
    fake.admin.advance(MIN); // now T0 + 3 min exactly: settled at its instant
    const raw = await ex.publicGetPublicFundingRateHistory({ instId: 'BTC-USDT-SWAP' });
    expect(raw.data).toEqual([
      { instType: 'SWAP', instId: 'BTC-USDT-SWAP', fundingRate: '0.00025', realizedRate: '0.00025', fundingTime: String(T0 + 3 * MIN), method: 'current_period' },
      { instType: 'SWAP', instId: 'BTC-USDT-SWAP', fundingRate: '-0.0004', realizedRate: '-0.0004', fundingTime: String(T0), method: 'current_period' },
    ]);
    // ccxt's since: rows after it only (before = since - 1).
    const since = await ex.fetchFundingRateHistory('BTC/USDT:USDT', T0 + 1);
    expect(since.map((r) => [r.timestamp, r.fundingRate])).toEqual([[T0 + 3 * MIN, 0.00025]]);
  });

  it('books the file\'s rate at the file\'s funding instant on an open swap position', async () => {
    const f = files();
    fake = await startOkxFake({ port: 0, speed: 0, data: [f.bars], funding: f.funding, index: f.index, startTime: T0 - 1 });
    ex = client(fake);
    await ex.loadMarkets();
    fake.admin.advance(1); // T0: bar 0 and the first funding instant (no position yet: nothing booked)
    await ex.createOrder('BTC/USDT:USDT', 'market', 'buy', 1);
    fake.admin.advance(MIN); // bar 1 fills the order
    expect(fake.admin.state().positions).toEqual([{ instId: 'BTC-USDT-SWAP', pos: 1, avgPx: expect.any(Number) }]);
    fake.admin.advance(2 * MIN); // T0 + 3 min: the file's 0.00025 on 1 contract of 0.01 BTC at the mark
    const bills = await ex.privateGetAccountBills({ type: '8' });
    expect(bills.data).toHaveLength(1);
    const bill = bills.data[0] as { ts: string; balChg: string };
    expect(Number(bill.ts)).toBe(T0 + 3 * MIN);
    // A long pays a positive rate: -1 x 0.01 x mark x 0.00025, the mark the last bar's close (60 007).
    expect(Number(bill.balChg)).toBeCloseTo(-0.01 * 60_007 * 0.00025, 9);
  });

  it('serves the index candles of played minutes only, newest first, under the swap\'s instFamily', async () => {
    const f = files();
    fake = await startOkxFake({ port: 0, speed: 0, data: [f.bars], funding: f.funding, index: f.index, startTime: T0 - 1 });
    ex = client(fake);
    await ex.loadMarkets();
    fake.admin.advance(3 * MIN + 1); // minutes 0..3 played
    const raw = await ex.publicGetMarketIndexCandles({ instId: 'BTC-USDT', bar: '1m' });
    expect(raw.data).toEqual([3, 2, 1, 0].map((i) => {
      const p = String(59_990 + i * 1.5);
      return [String(T0 + i * MIN), p, p, p, p, '1'];
    }));
    // ccxt: an old `since` goes to history-index-candles; the candle of one minute.
    const one = await ex.fetchIndexOHLCV('BTC/USDT:USDT', '1m', T0 + 2 * MIN, 1);
    expect(one).toEqual([[T0 + 2 * MIN, 59_993, 59_993, 59_993, 59_993, undefined]]);
    // A minute not played yet is not served.
    expect(await ex.fetchIndexOHLCV('BTC/USDT:USDT', '1m', T0 + 5 * MIN, 1)).toEqual([]);
    const recent = await ex.fetchIndexOHLCV('BTC/USDT:USDT', '1m', undefined, 2);
    expect(recent.map((c) => c[0])).toEqual([T0 + 2 * MIN, T0 + 3 * MIN]);
  });

  it('holds the answers of a stalled path (a fault) and answers the others', async () => {
    const f = files();
    fake = await startOkxFake({ port: 0, speed: 0, data: [f.bars], funding: f.funding, index: f.index, startTime: T0 - 1 });
    ex = client(fake);
    ex.timeout = 800;
    await ex.loadMarkets();
    fake.admin.advance(MIN + 1);
    fake.admin.inject({ stall: { path: 'market/history-index-candles', count: 1 } });
    await expect(ex.fetchIndexOHLCV('BTC/USDT:USDT', '1m', T0, 1)).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    expect((await ex.fetchFundingRateHistory('BTC/USDT:USDT')).length).toBe(1);
    expect(await ex.fetchIndexOHLCV('BTC/USDT:USDT', '1m', T0, 1)).toHaveLength(1);
  });

  it('without the files: funding history from its fixed 8 h clock, and index candles refused saying which flag serves them', async () => {
    fake = await startOkxFake({ port: 0, speed: 0, startTime: T0 + 2 * H8 + 5 * MIN });
    ex = client(fake);
    await ex.loadMarkets();
    const rows = await ex.fetchFundingRateHistory('BTC/USDT:USDT', undefined, 2);
    expect(rows.map((r) => [r.timestamp, r.fundingRate])).toEqual([[T0 + H8, 0.0001], [T0 + 2 * H8, 0.0001]]);
    const err = await ex.fetchIndexOHLCV('BTC/USDT:USDT', '1m').then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/--index FILE/);
  });

  it('`parity venue --protocol okx --funding F --index I` serves the files; the other crypto fakes refuse the flags', async () => {
    const f = files();
    await expect(runCryptoVenue('bybit', { port: 0, data: [], funding: f.funding, quiet: true }, 1, {}, Promise.resolve())).rejects.toThrow(/--funding is for --protocol okx/);
    await expect(runCryptoVenue('binance', { port: 0, data: [], index: f.index, quiet: true }, 1, {}, Promise.resolve())).rejects.toThrow(/--index is for --protocol okx/);
    // A missing file is refused at start, naming it.
    await expect(runCryptoVenue('okx', { port: 0, data: [f.bars], funding: join(f.bars, '..', 'nope.csv'), quiet: true }, 1, {}, Promise.resolve())).rejects.toThrow(/cannot read the funding file.*--funding of parity venue/);
  });
});
