/**
 * Deribit's JSON-RPC error codes for what the fake refuses, and the book's OKX sCodes translated
 * to them (the matching core answers in OKX's codes). A code already Deribit's (an injected
 * reject) passes through.
 */
export interface RpcError { readonly code: number; readonly message: string; readonly data?: Record<string, unknown> }

export const E = {
  notEnoughFunds: 10009,
  orderNotFound: 10004,
  alreadyClosed: 11044,
  invalidArguments: 11029,
  tooManyRequests: 10028,
  invalidCredentials: 13004,
  unauthorized: 13009,
  invalidAmount: 10021,
  invalidPrice: 10023,
  reduceOnly: 11098,
  methodNotFound: -32601,
  invalidParams: -32602,
} as const;

const MESSAGE: Record<number, string> = {
  10009: 'not_enough_funds', 10004: 'order_not_found', 11044: 'not_open_order', 11029: 'invalid_arguments', 10028: 'too_many_requests',
  13004: 'invalid_credentials', 13009: 'unauthorized', 10021: 'invalid_amount', 10023: 'invalid_price', 11098: 'reduce_only_order_would_increase_position',
  [-32601]: 'Method not found', [-32602]: 'Invalid params', 10001: 'error',
};

export const rpcError = (code: number, reason?: string): RpcError =>
  ({ code, message: MESSAGE[code] ?? 'error', ...(reason !== undefined ? { data: { reason } } : {}) });

/** The book's OKX sCode (place / amend / cancel refusals) as Deribit's error. */
export function fromBook(sCode: string, sMsg: string): RpcError {
  const table: Record<string, number> = {
    '51008': E.notEnoughFunds, '51502': E.notEnoughFunds, '51169': E.reduceOnly,
    '51121': E.invalidAmount, '51020': E.invalidAmount, '51000': E.invalidArguments, '51001': E.invalidArguments,
    '51400': E.orderNotFound, '51503': E.orderNotFound, '51401': E.alreadyClosed, '51402': E.alreadyClosed, '51509': E.alreadyClosed, '51510': E.alreadyClosed,
  };
  const code = table[sCode] ?? (/^\d{5}$/.test(sCode) && !sCode.startsWith('5') ? Number(sCode) : 10001);
  return rpcError(code, sMsg);
}
