/**
 * The matching core's refusals (OKX sCodes, book.ts) as Binance answers them, spot and USD-M apart:
 * {code, msg} with HTTP 400. An injected fault's code is Binance's already and passes through.
 */
export type Market = 'spot' | 'usdm';
export interface BinanceError { readonly status: number; readonly code: number; readonly msg: string }

const e = (code: number, msg: string, status = 400): BinanceError => ({ status, code, msg });

const TABLE: Readonly<Record<string, { spot: BinanceError; usdm: BinanceError }>> = {
  '51001': { spot: e(-1121, 'Invalid symbol.'), usdm: e(-1121, 'Invalid symbol.') },
  '51121': { spot: e(-1013, 'Filter failure: LOT_SIZE'), usdm: e(-1111, 'Precision is over the maximum defined for this asset.') },
  '51020': { spot: e(-1013, 'Filter failure: LOT_SIZE'), usdm: e(-4003, 'Quantity less than or equal to zero.') },
  '51000': { spot: e(-1013, 'Filter failure: PRICE_FILTER'), usdm: e(-4014, 'Price not increased by tick size.') },
  '51008': { spot: e(-2010, 'Account has insufficient balance for requested action.'), usdm: e(-2019, 'Margin is insufficient.') },
  '51169': { spot: e(-2010, 'Account has insufficient balance for requested action.'), usdm: e(-2022, 'ReduceOnly Order is rejected.') },
  '51016': { spot: e(-2010, 'Duplicate order sent.'), usdm: e(-4116, 'ClientOrderId is duplicated.') },
  '59000': { spot: e(-1013, 'Invalid request.'), usdm: e(-4048, 'Margin type cannot be changed if there exists position.') },
  '51400': { spot: e(-2011, 'Unknown order sent.'), usdm: e(-2011, 'Unknown order sent.') },
  '51401': { spot: e(-2011, 'Unknown order sent.'), usdm: e(-2011, 'Unknown order sent.') },
  '51402': { spot: e(-2011, 'Unknown order sent.'), usdm: e(-2011, 'Unknown order sent.') },
  '51503': { spot: e(-2013, 'Order does not exist.'), usdm: e(-2013, 'Order does not exist.') },
  '51509': { spot: e(-2013, 'Order does not exist.'), usdm: e(-2013, 'Order does not exist.') },
  '51510': { spot: e(-2013, 'Order does not exist.'), usdm: e(-5027, 'No need to modify the order.') },
  '51500': { spot: e(-1102, 'Mandatory parameter was not sent, was empty/null, or malformed.'), usdm: e(-1102, 'Mandatory parameter was not sent, was empty/null, or malformed.') },
  '51502': { spot: e(-2010, 'Account has insufficient balance for requested action.'), usdm: e(-2019, 'Margin is insufficient.') },
};

export function binanceRefusal(market: Market, sCode: string, sMsg: string): BinanceError {
  if (/^-\d+$/.test(sCode)) return e(Number(sCode), `${sMsg}`);
  return TABLE[sCode]?.[market] ?? e(-1000, `An unknown error occurred while processing the request. (${sCode} ${sMsg})`);
}

export const ERR = {
  noKey: e(-2014, 'API-key format invalid.', 401),
  badKey: e(-2015, 'Invalid API-key, IP, or permissions for action.', 401),
  badSignature: e(-1022, 'Signature for this request is not valid.'),
  stale: e(-1021, 'Timestamp for this request is outside of the recvWindow.'),
  mandatory: (p: string) => e(-1102, `Mandatory parameter '${p}' was not sent, was empty/null, or malformed.`),
  illegal: (p: string, market: Market) => (market === 'usdm' ? e(-4015, 'Client order id is not valid.') : e(-1100, `Illegal characters found in parameter '${p}'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.`)),
  badParam: (msg: string) => e(-1102, msg),
  noOrder: e(-2013, 'Order does not exist.'),
  unknownCancel: e(-2011, 'Unknown order sent.'),
  badSymbol: e(-1121, 'Invalid symbol.'),
  notFound: (path: string) => e(-5000, `Path ${path} is not served by the parity Binance fake.`, 404),
  invalidListenKey: e(-1125, 'This listenKey does not exist.'),
} as const;
