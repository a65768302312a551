/**
 * The hosts ccxt's binance class talks to (urls.api live, urls.demo for demo trading, urls.test),
 * as the first path segment of a request to the fake (rewriteOrigins): which API it is and whether
 * it is the live or the demo venue. One table, so REST and websocket routing agree.
 */
export type Api = 'spot' | 'usdm' | 'spotStream' | 'usdmStream' | 'spotWsApi';
export interface HostInfo { readonly api: Api; readonly demo: boolean }

const HOSTS: Readonly<Record<string, HostInfo>> = {
  'api.binance.com': { api: 'spot', demo: false },
  'demo-api.binance.com': { api: 'spot', demo: true },
  'testnet.binance.vision': { api: 'spot', demo: true },
  'fapi.binance.com': { api: 'usdm', demo: false },
  'demo-fapi.binance.com': { api: 'usdm', demo: true },
  'testnet.binancefuture.com': { api: 'usdm', demo: true },
  'stream.binance.com:9443': { api: 'spotStream', demo: false },
  'stream.binance.com': { api: 'spotStream', demo: false },
  'demo-stream.binance.com': { api: 'spotStream', demo: true },
  'stream.testnet.binance.vision': { api: 'spotStream', demo: true },
  'fstream.binance.com': { api: 'usdmStream', demo: false },
  'fstream.binancefuture.com': { api: 'usdmStream', demo: true },
  'ws-api.binance.com:443': { api: 'spotWsApi', demo: false },
  'ws-api.binance.com': { api: 'spotWsApi', demo: false },
  'demo-ws-api.binance.com': { api: 'spotWsApi', demo: true },
  'ws-api.testnet.binance.vision': { api: 'spotWsApi', demo: true },
};

/** `/fapi.binance.com/fapi/v1/order` -> the host's role and the rest of the path ('/fapi/v1/order'). */
export function splitHost(pathname: string): { host: string; info: HostInfo | undefined; rest: string } {
  const m = /^\/([^/]+)(\/.*)?$/.exec(pathname);
  const host = m?.[1] ?? '';
  return { host, info: HOSTS[host], rest: m?.[2] ?? '/' };
}
