/** A SimVenue driven directly: a sink that collects reports and terse event builders. */
import { makeInstrument, type Instrument } from '../../../src/domain/instrument.ts';
import { InstrumentRegistry } from '../../../src/domain/instrument-registry.ts';
import type { Bar, Quote, Trade } from '../../../src/domain/market.ts';
import type { OrderRequest } from '../../../src/domain/order.ts';
import type { ExecutionReport } from '../../../src/ports/index.ts';
import { DEFAULT_ACCOUNT, type AccountSettings } from '../../../src/portfolio/portfolio.ts';
import { SimVenue, type SimVenueOptions } from '../../../src/venues/sim/sim-venue.ts';

export const AAPL = makeInstrument('AAPL', 'sim');
export const MSFT = makeInstrument('MSFT', 'sim');
export const BTC = makeInstrument('BTC-USD', 'sim');
export const PERP = makeInstrument('BTC-USDT-PERP', 'sim');
/** An equity with a minimum order of 10 shares. */
export const BLOCK = makeInstrument('BLOCK', 'sim', { minQty: 10 });

/** Tuesday 2024-01-02 15:00 UTC = 10:00 New York (EST). */
export const T0 = Date.UTC(2024, 0, 2, 15, 0);
export const MIN = 60_000;

export const CASH: AccountSettings = { ...DEFAULT_ACCOUNT, cash: 100_000 };
export const MARGIN: AccountSettings = { ...DEFAULT_ACCOUNT, type: 'margin', leverage: 2, cash: 100_000 };

export type Fill = Extract<ExecutionReport, { kind: 'fill' }>;

export interface Harness {
  readonly venue: SimVenue;
  readonly reports: ExecutionReport[];
  /** Submit with id `o<n>` (n counts submissions) unless an id is given; returns the id. */
  submit(req: OrderRequest, ts: number, id?: string): string;
  bar(ts: number, open: number, high: number, low: number, close: number, volume?: number, symbol?: string): void;
  quote(ts: number, bid: number, ask: number, bidSize?: number, askSize?: number, symbol?: string): void;
  trade(ts: number, price: number, size?: number, symbol?: string): void;
  fills(id?: string): Fill[];
  /** Reports of one order (or all), most useful as `kinds(id)`. */
  of(id: string): ExecutionReport[];
  kinds(id?: string): string[];
  last(): ExecutionReport;
  clear(): void;
}

export function harness(opts: Partial<SimVenueOptions> = {}, instruments: readonly Instrument[] = [AAPL, MSFT, BTC, PERP, BLOCK]): Harness {
  const venue = new SimVenue({ instruments: new InstrumentRegistry(instruments), account: CASH, ...opts });
  const reports: ExecutionReport[] = [];
  venue.connect((r) => reports.push(r));
  let n = 0;
  const h: Harness = {
    venue,
    reports,
    submit(req, ts, id) {
      const cid = id ?? `o${++n}`;
      venue.submit({ clientOrderId: cid, request: req, ts });
      return cid;
    },
    bar(ts, open, high, low, close, volume = 1_000_000, symbol = 'AAPL') {
      const b: Bar = { kind: 'bar', symbol, ts, open, high, low, close, volume };
      venue.onMarketData(b);
    },
    quote(ts, bid, ask, bidSize = 1_000_000, askSize = 1_000_000, symbol = 'AAPL') {
      const q: Quote = { kind: 'quote', symbol, ts, bid, ask, bidSize, askSize };
      venue.onMarketData(q);
    },
    trade(ts, price, size = 1_000_000, symbol = 'AAPL') {
      const t: Trade = { kind: 'trade', symbol, ts, price, size };
      venue.onMarketData(t);
    },
    fills(id) {
      return reports.filter((r): r is Fill => r.kind === 'fill' && (id === undefined || r.clientOrderId === id));
    },
    of(id) {
      return reports.filter((r) => r.clientOrderId === id);
    },
    kinds(id) {
      return (id === undefined ? reports : h.of(id)).map((r) => r.kind);
    },
    last() {
      const r = reports[reports.length - 1];
      if (r === undefined) throw new Error('no reports');
      return r;
    },
    clear() {
      reports.length = 0;
    },
  };
  return h;
}

export const mkt = (side: 'buy' | 'sell', qty: number, extra: Partial<OrderRequest> = {}, symbol = 'AAPL'): OrderRequest =>
  ({ symbol, side, type: 'market', qty, ...extra }) as OrderRequest;
export const lmt = (side: 'buy' | 'sell', qty: number, limitPrice: number, extra: Partial<OrderRequest> = {}, symbol = 'AAPL'): OrderRequest =>
  ({ symbol, side, type: 'limit', qty, limitPrice, ...extra }) as OrderRequest;
export const stp = (side: 'buy' | 'sell', qty: number, stopPrice: number, extra: Partial<OrderRequest> = {}, symbol = 'AAPL'): OrderRequest =>
  ({ symbol, side, type: 'stop', qty, stopPrice, ...extra }) as OrderRequest;
export const stl = (side: 'buy' | 'sell', qty: number, stopPrice: number, limitPrice: number, extra: Partial<OrderRequest> = {}, symbol = 'AAPL'): OrderRequest =>
  ({ symbol, side, type: 'stop_limit', qty, stopPrice, limitPrice, ...extra }) as OrderRequest;
