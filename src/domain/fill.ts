import type { Side } from './order.ts';

export type Liquidity = 'maker' | 'taker';

/** One execution. `execId` is the venue's id for it: the same execId twice is one fill, not two. */
export interface Fill {
  readonly clientOrderId: string;
  readonly execId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  readonly price: number;
  /** Fee in the quote currency, positive = paid. */
  readonly fee: number;
  readonly liquidity: Liquidity;
  readonly ts: number;
}
