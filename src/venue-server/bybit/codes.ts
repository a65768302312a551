/**
 * The book's refusals (OKX sCodes, book.ts) as Bybit v5 retCodes. The contract endpoints (linear)
 * and spot answer some refusals with their own codes (spot 170xxx). A code not listed passes
 * through (an injected Bybit retCode).
 */
import type { BybitCategory } from './types.ts';

const COMMON: Readonly<Record<string, { code: number; msg: string }>> = {
  '51000': { code: 10001, msg: 'params error' },
  '51001': { code: 10001, msg: 'params error: symbol invalid' },
  '51016': { code: 110072, msg: 'OrderLinkedID is duplicate' },
  '51121': { code: 10001, msg: 'Qty invalid: not a multiple of qtyStep' },
  '51020': { code: 10001, msg: 'The number of contracts is below the minimum allowed' },
  '51008': { code: 110007, msg: 'ab not enough for new order' },
  '51169': { code: 110017, msg: 'current position is zero, cannot fix reduce-only order qty' },
  '51400': { code: 110001, msg: 'order not exists or too late to cancel' },
  '51401': { code: 110001, msg: 'order not exists or too late to cancel' },
  '51402': { code: 110001, msg: 'order not exists or too late to cancel' },
  '51503': { code: 110001, msg: 'order not exists or too late to replace' },
  '51509': { code: 110001, msg: 'order not exists or too late to replace' },
  '51510': { code: 110001, msg: 'order not exists or too late to replace' },
  '51500': { code: 10001, msg: 'params error: qty or price is required' },
  '51502': { code: 110007, msg: 'ab not enough for new order' },
  '51603': { code: 110001, msg: 'order not exists' },
  '59000': { code: 110026, msg: 'Cross/isolated margin mode is not modified: there are positions or working orders' },
};

const SPOT: Readonly<Record<string, { code: number; msg: string }>> = {
  '51008': { code: 170131, msg: 'Insufficient balance.' },
  '51400': { code: 170213, msg: 'Order does not exist.' },
  '51401': { code: 170213, msg: 'Order does not exist.' },
  '51402': { code: 170213, msg: 'Order does not exist.' },
  '51503': { code: 170213, msg: 'Order does not exist.' },
  '51509': { code: 170213, msg: 'Order does not exist.' },
  '51510': { code: 170213, msg: 'Order does not exist.' },
  '51603': { code: 170213, msg: 'Order does not exist.' },
};

export function retCodeOf(category: BybitCategory, sCode: string, sMsg: string): { retCode: number; retMsg: string } {
  const hit = (category === 'spot' ? SPOT[sCode] : undefined) ?? COMMON[sCode];
  if (hit !== undefined) return { retCode: hit.code, retMsg: hit.msg };
  const n = Number(sCode);
  return { retCode: Number.isInteger(n) ? n : 10001, retMsg: sMsg };
}
