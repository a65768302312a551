/** Market data as the engine sees it. Timestamps are epoch milliseconds, UTC. */
export interface Bar {
  readonly kind: 'bar';
  readonly symbol: string;
  /** The bar's label: its open time. The strategy sees a bar once it is complete. */
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface Quote {
  readonly kind: 'quote';
  readonly symbol: string;
  readonly ts: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
}

export interface Trade {
  readonly kind: 'trade';
  readonly symbol: string;
  readonly ts: number;
  readonly price: number;
  readonly size: number;
}

export type MarketEvent = Bar | Quote | Trade;
