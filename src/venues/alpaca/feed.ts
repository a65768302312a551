/**
 * Market data from Alpaca's stream as a PushFeed: minute bars (and optionally quotes) for the
 * session's symbols, stocks on the stock stream and crypto pairs on the crypto stream. The SDK
 * reconnects and resubscribes by itself; every message is parsed with zod before it becomes an
 * engine event, and a malformed one is reported, not passed on.
 */
import type { Instrument } from '../../domain/instrument.ts';
import type { MarketEvent } from '../../domain/market.ts';
import type { PushFeed } from '../../ports/index.ts';
import { AlpacaProtocolError } from './errors.ts';
import { fromWireSymbol, toWireSymbol } from './symbols.ts';
import { StreamBar, StreamQuote } from './wire.ts';

/** The SDK's market data stream as the feed uses it. */
export interface DataStream {
  onBar(fn: (b: unknown) => void): unknown;
  onQuote(fn: (q: unknown) => void): unknown;
  onError(fn: (e: string) => void): unknown;
  onConnect(fn: () => void): unknown;
  subscribeForBars(symbols: string[]): void;
  subscribeForQuotes(symbols: string[]): void;
  connect(): void;
  disconnect(): void;
}

export interface AlpacaFeedOptions {
  readonly instruments: readonly Instrument[];
  /** Makes a stream for 'stocks' or 'crypto' (url and keys decided by the caller). */
  readonly openStream: (kind: 'stocks' | 'crypto') => DataStream;
  readonly quotes?: boolean;
  readonly onProblem?: (p: AlpacaProtocolError) => void;
}

export class AlpacaFeed implements PushFeed {
  readonly kind = 'push';
  private readonly streams: DataStream[] = [];

  constructor(private readonly opts: AlpacaFeedOptions) {}

  start(sink: (event: MarketEvent) => void): void {
    const groups = new Map<'stocks' | 'crypto', string[]>();
    for (const i of this.opts.instruments) {
      const kind = i.assetClass === 'crypto_spot' || i.assetClass === 'crypto_perp' ? 'crypto' : 'stocks';
      const list = groups.get(kind) ?? [];
      list.push(toWireSymbol(i.symbol, i.assetClass));
      groups.set(kind, list);
    }
    for (const [kind, symbols] of groups) {
      const s = this.opts.openStream(kind);
      s.onBar((raw) => {
        const p = StreamBar.safeParse(raw);
        if (!p.success) {
          this.opts.onProblem?.(new AlpacaProtocolError(`${kind} bars`, p.error.issues[0]?.message ?? 'bad bar', raw));
          return;
        }
        const b = p.data;
        sink({ kind: 'bar', symbol: fromWireSymbol(b.symbol), ts: b.timestamp.getTime(), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume });
      });
      if (this.opts.quotes === true) {
        s.onQuote((raw) => {
          const p = StreamQuote.safeParse(raw);
          if (!p.success) {
            this.opts.onProblem?.(new AlpacaProtocolError(`${kind} quotes`, p.error.issues[0]?.message ?? 'bad quote', raw));
            return;
          }
          const q = p.data;
          sink({ kind: 'quote', symbol: fromWireSymbol(q.symbol), ts: q.timestamp.getTime(), bid: q.bidPrice, ask: q.askPrice, bidSize: q.bidSize, askSize: q.askSize });
        });
      }
      s.onError((e) => this.opts.onProblem?.(new AlpacaProtocolError(`${kind} data stream`, e)));
      s.subscribeForBars(symbols);
      if (this.opts.quotes === true) s.subscribeForQuotes(symbols);
      s.connect();
      this.streams.push(s);
    }
  }

  stop(): void {
    for (const s of this.streams) s.disconnect();
    this.streams.length = 0;
  }
}
