import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { csvField, csvLine, equityCsv, toCsv, writeOutputs } from '../../src/backtest/csv-out.ts';
import { BacktestCollector, type CollectedEngine } from '../../src/backtest/collector.ts';
import type { OrderView } from '../../src/orders/order.ts';
import { recordedHandle } from '../../src/orders/order.ts';

describe('CSV quoting', () => {
  it('quotes commas, quotes, line breaks and edge spaces; doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('')).toBe('');
  });
  it('prints numbers exactly and empties for missing values', () => {
    expect(csvField(0.1)).toBe('0.1');
    expect(csvField(-0)).toBe('0');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvLine(['a', 1, null, 'x,y'])).toBe('a,1,,"x,y"');
    expect(toCsv(['h1', 'h2'], [[1, 2]])).toBe('h1,h2\n1,2\n');
  });
  it('equity rows: ISO time, equity rounded to the ledger unit', () => {
    expect(equityCsv([0, 60_000], [100.1 + 0.2, 99], 2)).toBe('ts,equity\n1970-01-01T00:00:00.000Z,100.3\n1970-01-01T00:01:00.000Z,99\n');
  });
});

describe('writeOutputs', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  function run(): BacktestCollector {
    const engine: CollectedEngine = { portfolio: { settings: { cash: 1000 }, equity: () => 1000, lots: () => 0 }, now: () => 120_000 };
    const c = new BacktestCollector();
    c.onMarket({ kind: 'bar', symbol: 'A', ts: 60_000, open: 1, high: 1, low: 1, close: 1, volume: 1 }, engine);
    const order: OrderView = {
      clientOrderId: 'P1', venueOrderId: 'V1', request: { symbol: 'A', side: 'buy', type: 'limit', limitPrice: 9.5, qty: 3, tag: 'entry "one"' },
      status: 'rejected', filledQty: 0, avgFillPrice: 0, fees: 0, createdAt: 60_000, updatedAt: 60_000,
      reason: 'price off, too far\nfrom last', flagged: null, external: false, leftAlone: false,
    };
    c.onOrderEvent({ clientOrderId: 'P1', kind: 'reject', from: 'submitted', to: 'rejected', ts: 60_000, order, handle: recordedHandle(order) });
    c.onFill({ clientOrderId: 'P2', execId: 'X1', symbol: 'A', side: 'sell', qty: 2, price: 10.25, fee: 0.01, liquidity: 'maker', ts: 60_000 }, engine);
    c.onStop(engine);
    return c;
  }

  it('creates the folder, writes three files, quotes fields, byte-identical across runs', () => {
    const base = mkdtempSync(join(tmpdir(), 'parity-csv-'));
    dirs.push(base);
    const a = writeOutputs(join(base, 'a', 'nested'), run());
    const b = writeOutputs(join(base, 'b'), run());
    expect(a.map((p) => p.split(/[\\/]/).pop())).toEqual(['orders.csv', 'fills.csv', 'equity.csv']);
    for (let i = 0; i < 3; i++) expect(readFileSync(a[i]!, 'utf8')).toBe(readFileSync(b[i]!, 'utf8'));

    const orders = readFileSync(a[0]!, 'utf8');
    expect(orders).toBe(
      'client_id,created,symbol,side,type,qty,limit,stop,status,filled,avg_price,fees,reason,updated,tag\n'
      + 'P1,1970-01-01T00:01:00.000Z,A,buy,limit,3,9.5,,rejected,0,,0,"price off, too far\nfrom last",1970-01-01T00:01:00.000Z,"entry ""one"""\n',
    );
    expect(readFileSync(a[1]!, 'utf8')).toBe('ts,client_id,exec_id,symbol,side,qty,price,fee,liquidity\n1970-01-01T00:01:00.000Z,P2,X1,A,sell,2,10.25,0.01,maker\n');
    expect(readFileSync(a[2]!, 'utf8')).toBe('ts,equity\n1970-01-01T00:01:00.000Z,1000\n1970-01-01T00:02:00.000Z,1000\n');
  });
});
