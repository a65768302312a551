/**
 * A thin typed layer over the SDK's REST calls. Every call goes through the SDK (auth headers,
 * error mapping), then its raw JSON body is parsed here with zod (wire.ts): the SDK's own
 * deserializers drop fields (a FILL activity comes back without price, side or order id), and its
 * TypeScript types are promises, not checks. Rate limits: a 429 is retried after Retry-After when
 * Alpaca gives one, else after an exponential backoff; the SDK's own retries stay off so that a
 * POST is never repeated behind our back. There is deliberately no "cancel all orders" here:
 * DELETE /v2/orders cancels the whole account's orders, not only parity's.
 */
import { Alpaca, ApiError, FetchError } from '@alpacahq/alpaca-trade-api';
import type { z } from 'zod';
import { scrub } from '../../util/secrets.ts';
import { guessAssetClass, type AssetClass } from '../../domain/instrument.ts';
import type { VenuePosition } from '../../ports/index.ts';
import type { AlpacaSettings } from './config.ts';
import { AlpacaApiError, AlpacaNetworkError, AlpacaProtocolError, fetchFailureOf, keysRefusedMessage, unreachableMessage } from './errors.ts';
import { fromAlpaca, fromWireSymbol, toAlpaca } from './symbols.ts';
import {
  WireAccount, WireAsset, WireBarsPage, WireClock, WireError, WireFillActivity, WireOrder, WirePosition, WireVenueTime,
  type WireAccountT, type WireBarsPageT, type WireAssetT, type WireClockT, type WireFillActivityT, type WireOrderT, type WirePositionT,
} from './wire.ts';

export interface RestOptions {
  /** Per-request timeout (default 15 s). */
  readonly timeoutMs?: number;
  /** Attempts for a request answered 429 (default 6). */
  readonly maxAttempts?: number;
  /** First backoff step when no Retry-After is given (default 250 ms, doubling, capped at 8 s). */
  readonly backoffMs?: number;
  /** The SDK's proactive client-side limiter (~200 requests/min). Default on; tests turn it off. */
  readonly clientRateLimit?: boolean;
  /**
   * The longest a 429's Retry-After (or rate-limit reset) is honoured (default 30 s): a hint of an
   * hour, or a reset stamped by a skewed clock, must not park an order's cancel behind it.
   */
  readonly maxRetryAfterMs?: number;
  /** Told about every 429 (logging, the console's status line). */
  readonly onThrottle?: (what: string, waitMs: number, attempt: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface NewOrderBody {
  readonly symbol: string;
  readonly qty: string;
  readonly side: 'buy' | 'sell';
  readonly type: 'market' | 'limit' | 'stop' | 'stop_limit';
  readonly timeInForce: 'day' | 'gtc' | 'ioc' | 'fok';
  readonly limitPrice?: string;
  readonly stopPrice?: string;
  readonly clientOrderId: string;
}

export interface ReplaceBody {
  readonly qty?: string;
  readonly limitPrice?: string;
  readonly stopPrice?: string;
  readonly clientOrderId?: string;
}

interface RawResponse { readonly raw: Response }

/**
 * Rewrites the SDK's fixed hosts to the configured base URL (a local venue, a proxy). Market data
 * (the SDK's data.alpaca.markets host) goes to `dataBaseUrl` when given, else to the base URL too.
 */
export function redirectingFetch(baseUrl: string, dataBaseUrl?: string): typeof fetch {
  const base = new URL(baseUrl);
  const data = dataBaseUrl !== undefined ? new URL(dataBaseUrl) : base;
  return (input, init) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const u = new URL(href);
    const to = u.hostname.startsWith('data.') ? data : base;
    const target = new URL(`${to.pathname.replace(/\/$/, '')}${u.pathname}${u.search}`, to.origin);
    return fetch(target, init);
  };
}

export interface BarsQuery {
  /** Wire symbols ("AAPL", "BTC/USD"); all of one kind. */
  readonly symbols: readonly string[];
  readonly crypto: boolean;
  readonly start: number;
  readonly end: number;
  readonly limit: number;
  readonly sort: 'asc' | 'desc';
  readonly pageToken?: string;
}

export class AlpacaRest {
  private readonly sdk: Alpaca;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;

  constructor(readonly settings: AlpacaSettings, private readonly opts: RestOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.sdk = new Alpaca({
      keyId: settings.keyId,
      secret: settings.secretKey,
      paper: !settings.live,
      retry: false,
      ...(opts.clientRateLimit === false ? { rateLimit: false as const } : {}),
      timeoutMs: this.timeoutMs,
      fetchApi: redirectingFetch(settings.baseUrl, settings.dataRestUrl),
    });
    this.maxAttempts = opts.maxAttempts ?? 6;
    this.backoffMs = opts.backoffMs ?? 250;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The SDK client itself, for the streams (same keys, same environment). */
  get client(): Alpaca {
    return this.sdk;
  }

  account(): Promise<WireAccountT> {
    return this.json('GET /v2/account', WireAccount, () => this.sdk.trading.account.getAccountRaw());
  }

  /** GET /v2/positions as Alpaca spells it (crypto "BTCUSD"): for parity's spelling use openPositions(). */
  positions(): Promise<WirePositionT[]> {
    return this.json('GET /v2/positions', WirePosition.array(), () => this.sdk.trading.positions.getAllOpenPositionsRaw());
  }

  /** Every open position in parity's terms: "BTCUSD" (asset_class crypto) becomes "BTC-USD", shorts negative. */
  async openPositions(): Promise<VenuePosition[]> {
    return (await this.positions()).map(venuePositionOf);
  }

  /**
   * The venue's position in one parity symbol ("BTC-USD", "AAPL"); null = flat. Asks
   * GET /v2/positions/{symbol} in the positions' spelling ("BTCUSD": Alpaca answers 404 to "BTC/USD"),
   * and confirms a crypto 404 against the full list before calling it flat (Alpaca has answered 404
   * for crypto positions its list showed: alpacahq/Alpaca-API#215).
   */
  async positionOf(symbol: string, assetClass: AssetClass = guessAssetClass(symbol)): Promise<VenuePosition | null> {
    const p = await this.lookUpPosition(fromAlpaca(symbol), assetClass);
    return p === null ? null : venuePositionOf(p);
  }

  /**
   * The same lookup for an order-spelled symbol ("BTC/USD", "AAPL"), answering Alpaca's wire shape
   * (its `symbol` as the venue spells positions: "BTCUSD"); null = flat.
   */
  position(wireSymbol: string): Promise<WirePositionT | null> {
    const symbol = fromWireSymbol(wireSymbol);
    return this.lookUpPosition(symbol, guessAssetClass(symbol));
  }

  private async lookUpPosition(symbol: string, assetClass: AssetClass): Promise<WirePositionT | null> {
    const wire = toAlpaca(symbol, 'position', assetClass);
    const one = await this.orNull(this.json(`GET /v2/positions/${wire}`, WirePosition, () => this.sdk.trading.positions.getOpenPositionRaw({ symbolOrAssetId: wire })));
    if (one !== null || (assetClass !== 'crypto_spot' && assetClass !== 'crypto_perp')) return one;
    return (await this.positions()).find((p) => fromAlpaca(p.symbol, p.asset_class) === symbol) ?? null;
  }

  clock(): Promise<WireClockT> {
    return this.json('GET /v2/clock', WireClock, () => this.sdk.trading.clock.legacyClockRaw());
  }

  /** The venue's time: now at Alpaca; the replay's data time at a parity venue (it says so in its clock). */
  async venueTime(): Promise<number> {
    const raw = await this.json('GET /v2/clock', WireClock.extend(WireVenueTime.shape), () => this.sdk.trading.clock.legacyClockRaw());
    return raw.parity_venue_time ?? raw.timestamp;
  }

  /** One page of one-minute historical bars (market data REST, IEX feed for stocks: the stream's feed). */
  bars(q: BarsQuery): Promise<WireBarsPageT> {
    const common = {
      symbols: q.symbols.join(','), timeframe: '1Min', start: new Date(q.start), end: new Date(q.end), limit: q.limit, sort: q.sort,
      ...(q.pageToken !== undefined ? { pageToken: q.pageToken } : {}),
    };
    return q.crypto
      ? this.json('GET /v1beta3/crypto/us/bars', WireBarsPage, () => this.sdk.marketData.crypto.cryptoBarsRaw({ loc: 'us', ...common }))
      : this.json('GET /v2/stocks/bars', WireBarsPage, () => this.sdk.marketData.stocks.stockBarsRaw({ feed: 'iex', ...common }));
  }

  asset(wireSymbol: string): Promise<WireAssetT> {
    return this.json(`GET /v2/assets/${wireSymbol}`, WireAsset, () => this.sdk.trading.assets.getV2AssetsSymbolOrAssetIdRaw({ symbolOrAssetId: wireSymbol }));
  }

  submitOrder(b: NewOrderBody): Promise<WireOrderT> {
    return this.json('POST /v2/orders', WireOrder, () => this.sdk.trading.orders.postOrderRaw({
      postOrderRequest: {
        symbol: b.symbol, qty: b.qty, side: b.side, type: b.type, timeInForce: b.timeInForce, clientOrderId: b.clientOrderId,
        ...(b.limitPrice !== undefined ? { limitPrice: b.limitPrice } : {}),
        ...(b.stopPrice !== undefined ? { stopPrice: b.stopPrice } : {}),
      },
    }));
  }

  /** null = Alpaca has no such order. */
  order(id: string): Promise<WireOrderT | null> {
    return this.orNull(this.json(`GET /v2/orders/${id}`, WireOrder, () => this.sdk.trading.orders.getOrderByOrderIDRaw({ orderId: id })));
  }

  /** null = Alpaca has never heard of this client order id. */
  orderByClientId(cid: string): Promise<WireOrderT | null> {
    return this.orNull(this.json('GET /v2/orders:by_client_order_id', WireOrder, () => this.sdk.trading.orders.getOrderByClientOrderIdRaw({ clientOrderId: cid })));
  }

  openOrders(): Promise<WireOrderT[]> {
    return this.json('GET /v2/orders', WireOrder.array(), () => this.sdk.trading.orders.getAllOrdersRaw({ status: 'open', limit: 500, direction: 'asc' }));
  }

  /** DELETE /v2/orders/{id}: one order only. */
  async cancelOrder(id: string): Promise<void> {
    await this.call(`DELETE /v2/orders/${id}`, () => this.sdk.trading.orders.deleteOrderByOrderIDRaw({ orderId: id }));
  }

  /** PATCH /v2/orders/{id}: the answer is the replacement order (a new id). */
  replaceOrder(id: string, b: ReplaceBody): Promise<WireOrderT> {
    return this.json(`PATCH /v2/orders/${id}`, WireOrder, () => this.sdk.trading.orders.patchOrderByOrderIdRaw({
      orderId: id,
      patchOrderRequest: {
        ...(b.qty !== undefined ? { qty: b.qty } : {}),
        ...(b.limitPrice !== undefined ? { limitPrice: b.limitPrice } : {}),
        ...(b.stopPrice !== undefined ? { stopPrice: b.stopPrice } : {}),
        ...(b.clientOrderId !== undefined ? { clientOrderId: b.clientOrderId } : {}),
      },
    }));
  }

  /** Every FILL activity strictly after `after`, oldest first (all pages). */
  async fillsAfter(after: number): Promise<WireFillActivityT[]> {
    const out: WireFillActivityT[] = [];
    let token: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const batch = await this.json('GET /v2/account/activities/FILL', WireFillActivity.array(), () => this.sdk.trading.accountActivities.getAccountActivitiesByActivityTypeRaw({
        activityType: 'FILL', after: new Date(after), direction: 'asc', pageSize: 100, ...(token !== undefined ? { pageToken: token } : {}),
      }));
      out.push(...batch);
      if (batch.length < 100) break;
      token = batch[batch.length - 1]!.id;
    }
    return out;
  }

  // ---------- plumbing ----------

  private async orNull<T>(p: Promise<T>): Promise<T | null> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof AlpacaApiError && err.status === 404) return null;
      throw err;
    }
  }

  private async json<S extends z.ZodType>(what: string, schema: S, fn: () => Promise<RawResponse>): Promise<z.output<S>> {
    const res = await this.call(what, fn);
    let body: unknown;
    try {
      body = await res.raw.json();
    } catch (err) {
      throw new AlpacaNetworkError(`${what}: the answer could not be read (${(err as Error).message})`, err);
    }
    const r = schema.safeParse(body);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new AlpacaProtocolError(what, `unexpected answer: ${i?.path.join('.') ?? ''} ${i?.message ?? ''}`.trim(), body);
    }
    return r.data;
  }

  /** One request with 429 backoff; SDK errors become typed errors. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = this.toTyped(what, err);
        if (e instanceof AlpacaApiError && e.status === 429 && attempt < this.maxAttempts) {
          const base = Math.min(8_000, this.backoffMs * 2 ** (attempt - 1));
          const wait = e.retryAfterMs !== undefined ? Math.min(e.retryAfterMs, this.opts.maxRetryAfterMs ?? 30_000) : base * (0.8 + Math.random() * 0.4);
          this.opts.onThrottle?.(what, wait, attempt);
          await this.sleep(wait);
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * Where `what` ("GET /v2/account") goes and which setting chose that host, for the messages of
   * requests that failed. Market data paths go to the data host (redirectingFetch does the same).
   */
  private endpointOf(what: string): { readonly url: string; readonly setting: string } {
    const path = what.slice(what.indexOf(' ') + 1);
    const data = /^\/(v1beta\d+|v2\/stocks)\//.test(path) && this.settings.dataRestUrl !== '' && this.settings.dataRestUrl !== undefined;
    const origin = (data ? this.settings.dataRestUrl : this.settings.baseUrl).replace(/\/$/, '');
    const ownHost = data && new URL(origin).host !== new URL(this.settings.baseUrl).host;
    return { url: `${origin}${path}`, setting: ownHost ? 'ALPACA_DATA_URL' : 'ALPACA_BASE_URL' };
  }

  /**
   * SDK errors become typed errors whose message says what failed and what to check: the URL, the
   * cause (refused, DNS, TLS, timeout; the keys on 401 / 403) and the setting. Never the keys.
   */
  private toTyped(what: string, err: unknown): Error {
    if (err instanceof AlpacaApiError || err instanceof AlpacaNetworkError || err instanceof AlpacaProtocolError) return err;
    if (err instanceof ApiError) {
      const status = typeof err.status === 'number' ? err.status : 0;
      let message = err.message;
      let code: number | string | undefined = err.code as number | string | undefined;
      const parsed = WireError.safeParse({ code, message });
      if (parsed.success) {
        message = parsed.data.message;
        code = parsed.data.code;
      }
      // The venue's message may echo a request's headers (the keys): never pass that on.
      message = scrub(message, [this.settings.secretKey, this.settings.keyId]);
      const retryAfterMs = typeof err.retryAfterMs === 'number' ? err.retryAfterMs : undefined;
      if (status >= 500) return new AlpacaNetworkError(`${what}: HTTP ${status} ${message}`, err);
      if (status === 401 || (status === 403 && keysRefused(what, message))) {
        return new AlpacaApiError(status, code, keysRefusedMessage(status, this.answeredUrl(err) ?? this.endpointOf(what).url, message, this.settings.live), retryAfterMs);
      }
      return new AlpacaApiError(status, code, `${what}: ${message}`, retryAfterMs);
    }
    if (isFetchFailure(err)) {
      const { url, setting } = this.endpointOf(what);
      return new AlpacaNetworkError(unreachableMessage(url, setting, fetchFailureOf(err, this.timeoutMs)), err);
    }
    return new AlpacaNetworkError(`${what}: ${err instanceof Error ? err.message : String(err)}`, err);
  }

  /** The URL an HTTP error came from (the redirected one), without its query. */
  private answeredUrl(err: ApiError): string | undefined {
    const raw = (err as { response?: { url?: unknown } }).response?.url;
    if (typeof raw !== 'string' || raw === '') return undefined;
    try {
      const u = new URL(raw);
      return `${u.origin}${u.pathname}`;
    } catch {
      return undefined;
    }
  }
}

/**
 * A 403 means the keys (or their permissions) on a read; on an order write it is usually the
 * venue's business answer (buying power, wash trade), and a market data 403 about SIP is the
 * subscription: those keep the venue's words.
 */
function keysRefused(what: string, message: string): boolean {
  if (/\b(sip|subscription)\b/i.test(message)) return false;
  if (what.startsWith('GET ')) return true;
  return /\b(forbidden|not authorized|unauthorized|access key|api key)\b/i.test(message);
}

/** An Alpaca position in parity's terms: parity's symbol, quantity signed (negative = short). */
export function venuePositionOf(p: WirePositionT): VenuePosition {
  return { symbol: fromAlpaca(p.symbol, p.asset_class), qty: p.side === 'short' && p.qty > 0 ? -p.qty : p.qty, avgPrice: p.avg_entry_price };
}

/** A request that never got an HTTP answer: the SDK's FetchError, or fetch's own TypeError. */
function isFetchFailure(err: unknown): boolean {
  return err instanceof FetchError || (err instanceof TypeError && err.message === 'fetch failed')
    || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'));
}
