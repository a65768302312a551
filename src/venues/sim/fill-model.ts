/**
 * How the simulated venue turns a market price into a fill price, and the intra-bar path it assumes.
 * See the top of sim-venue.ts for the matching rules that use these.
 */
import { roundPriceAgainst } from '../../domain/instrument.ts';
import type { Side } from '../../domain/order.ts';

/**
 * Slippage charged on taker fills (market orders, triggered stops, marketable limits). Maker fills
 * happen at the resting order's own price and do not slip.
 * - `bps`: the price moves `bps` basis points against the trader.
 * - `spread`: the price moves `share` of the quoted spread against the trader (quotes only: bars and
 *   trades carry no spread, so they do not slip under this model).
 */
export type SlippageModel =
  | { readonly kind: 'none' }
  | { readonly kind: 'bps'; readonly bps: number }
  | { readonly kind: 'spread'; readonly share: number };

export interface FillModelOptions {
  readonly slippage?: SlippageModel;
}

export const NO_SLIPPAGE: SlippageModel = { kind: 'none' };

/**
 * The price of one fill: slippage (taker only), then rounded onto the tick grid against the trader,
 * then never worse than the order's limit (`limit` is NaN for orders without one).
 */
export function fillPrice(
  base: number, side: Side, tickSize: number, slippage: SlippageModel, spread: number, taker: boolean, limit: number,
): number {
  const buy = side === 'buy';
  let px = base;
  if (taker) {
    if (slippage.kind === 'bps') px = buy ? base * (1 + slippage.bps / 10_000) : base * (1 - slippage.bps / 10_000);
    else if (slippage.kind === 'spread' && spread > 0) px = buy ? base + slippage.share * spread : base - slippage.share * spread;
  }
  px = roundPriceAgainst(px, tickSize, side);
  if (!(px > 0)) px = roundPriceAgainst(tickSize, tickSize, side); // slippage cannot push a sale below one tick
  if (limit === limit) px = buy ? Math.min(px, limit) : Math.max(px, limit); // limit === limit: not NaN
  return px;
}

/**
 * The path a bar's price is assumed to take: open, then the nearer of high and low to the open, then
 * the other, then close, as straight lines. On a tie the high comes first: with no evidence either
 * way we take the fixed O-H-L-C order most engines use (NautilusTrader without adaptive ordering,
 * Backtrader), so results stay comparable with theirs. A trade is the path of one point.
 *
 * Positions along the path are measured in price travelled from the open, so "earlier on the path"
 * is a plain number comparison. Preallocated and reused: no allocation per bar.
 */
export class IntrabarPath {
  private readonly px = new Float64Array(4);
  private readonly at = new Float64Array(4);
  /** Result of the last successful `touch`: where on the path, at what price, and whether at its start. */
  seg = 0;
  pos = 0;
  price = 0;
  atStart = false;

  set(open: number, high: number, low: number, close: number): void {
    const highFirst = Math.abs(high - open) <= Math.abs(open - low);
    const px = this.px;
    const at = this.at;
    px[0] = open;
    px[1] = highFirst ? high : low;
    px[2] = highFirst ? low : high;
    px[3] = close;
    at[0] = 0;
    at[1] = Math.abs(px[1] - open);
    at[2] = at[1] + Math.abs(px[2] - px[1]);
    at[3] = at[2] + Math.abs(close - px[2]);
  }

  get open(): number {
    return this.px[0]!;
  }

  /**
   * Starting at position `pos` (with price `price`, on segment `seg`), find the first point where the
   * price is >= level (`up`) or <= level. If the start already qualifies that is the answer (a gap:
   * the fill is at the start price); otherwise the path is continuous, so it first qualifies exactly
   * at `level`.
   */
  touch(seg: number, pos: number, price: number, up: boolean, level: number): boolean {
    if (up ? price >= level : price <= level) {
      this.seg = seg; this.pos = pos; this.price = price; this.atStart = true;
      return true;
    }
    const px = this.px;
    for (let k = seg; k < 3; k++) {
      const end = px[k + 1]!;
      if (up ? end >= level : end <= level) {
        this.seg = k; this.pos = pos + Math.abs(level - price); this.price = level; this.atStart = false;
        return true;
      }
      pos = this.at[k + 1]!;
      price = end;
    }
    return false;
  }
}
