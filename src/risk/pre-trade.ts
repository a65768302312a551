/**
 * Checks an order must pass before it exists at a venue. Each returns null (pass) or the reason for
 * denial in words a trader can act on. Pure functions of the request and what the engine knows.
 */
import { type Instrument, isOnGrid } from '../domain/instrument.ts';
import type { OrderRequest } from '../domain/order.ts';
import type { VenueCapabilities } from '../ports/index.ts';
import type { TradingState } from './trading-state.ts';

export function checkGrid(req: OrderRequest, inst: Instrument): string | null {
  if (!(req.qty > 0) || !Number.isFinite(req.qty)) return `quantity must be a positive number, got ${req.qty}`;
  if (!isOnGrid(req.qty, inst.lotSize)) return `quantity ${req.qty} is not a multiple of the lot size ${inst.lotSize} for ${inst.symbol}`;
  if (req.qty < inst.minQty - 1e-12) return `quantity ${req.qty} is below the minimum ${inst.minQty} for ${inst.symbol}`;
  // No array or tuple per order: this runs on every submit, in the engine and again in the sim.
  if (req.type === 'limit' || req.type === 'stop_limit') {
    const bad = checkPrice('limit price', req.limitPrice, inst);
    if (bad !== null) return bad;
  }
  if (req.type === 'stop' || req.type === 'stop_limit') {
    const bad = checkPrice('stop price', req.stopPrice, inst);
    if (bad !== null) return bad;
  }
  return null;
}

function checkPrice(what: string, p: number, inst: Instrument): string | null {
  if (!(p > 0) || !Number.isFinite(p)) return `${what} must be a positive number, got ${p}`;
  if (!isOnGrid(p, inst.tickSize)) return `${what} ${p} is not on the tick grid (${inst.tickSize}) of ${inst.symbol}`;
  return null;
}

export function checkCapabilities(req: OrderRequest, caps: VenueCapabilities): string | null {
  if (!caps.orderTypes.includes(req.type)) return `the venue does not take ${req.type} orders`;
  if (req.tif !== undefined && !caps.timeInForce.includes(req.tif)) return `the venue does not take time in force ${req.tif}`;
  if (req.reduceOnly === true && !caps.reduceOnly) return 'the venue does not support reduce-only orders';
  return null;
}

/**
 * Would this order open or add exposure? `position` is the signed position, `pendingReduce` the
 * quantity of working orders that already reduce it (so two exits cannot together flip a position).
 */
export function increasesExposure(req: OrderRequest, position: number, pendingReduce: number): boolean {
  const dir = req.side === 'buy' ? 1 : -1;
  if (position === 0 || Math.sign(position) === dir) return true;
  return req.qty > Math.abs(position) - pendingReduce + 1e-12;
}

export function checkTradingState(state: TradingState, increases: boolean): string | null {
  if (state.status === 'halted') return `trading is halted (${state.reason}): no new orders until the operator resumes`;
  if (state.status === 'paused' && increases) return `trading is paused (${state.reason}): only orders that reduce a position are allowed`;
  return null;
}
