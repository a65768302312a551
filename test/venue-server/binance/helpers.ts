/** The real ccxt.pro.binance against the Binance fake, with every origin rewritten as the profile's urlOverride does. */
import ccxt, { type Exchange } from 'ccxt';
import { startBinanceFake, type BinanceFake, type BinanceFakeOptions } from '../../../src/venue-server/binance/index.ts';
import { rewriteOrigins } from '../../../src/venues/ccxt/config.ts';

export const T0 = Date.UTC(2026, 0, 5, 0, 0);

export async function fakeAndCcxt(o: BinanceFakeOptions = {}, ccxtOpts: { apiKey?: string; secret?: string; live?: boolean; options?: Record<string, unknown> } = {}): Promise<{ fake: BinanceFake; ex: Exchange }> {
  const fake = await startBinanceFake({ port: 0, speed: 0, startTime: T0, ...o });
  const ex = await binanceFor(fake, ccxtOpts);
  return { fake, ex };
}

export async function binanceFor(fake: BinanceFake, o: { apiKey?: string; secret?: string; live?: boolean; options?: Record<string, unknown> } = {}): Promise<Exchange> {
  const ex = new ccxt.pro.binance({
    apiKey: o.apiKey ?? fake.credentials.apiKey, secret: o.secret ?? fake.credentials.secret, enableRateLimit: false,
    options: { defaultType: 'swap', fetchMarkets: { types: ['spot', 'linear'] }, fetchMargins: false, fetchCurrencies: false, ...o.options },
  });
  if (o.live !== true) (ex as unknown as { enableDemoTrading(on: boolean): void }).enableDemoTrading(true);
  const urls = ex.urls as unknown as Record<string, unknown>;
  urls['api'] = rewriteOrigins(urls['api'], fake.restUrl, fake.wsUrl);
  await ex.loadHttpProxyAgent();
  return ex;
}

export const flat = (instId: string, close: number) => ({ instId, open: close, high: close, low: close, close });
export const PERP = 'BTC/USDT:USDT';
export const SPOT = 'BTC/USDT';
