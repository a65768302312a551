/**
 * Closing a ccxt.pro instance so that nothing of it is left running. ccxt's own `close()` closes the
 * websocket clients but leaves behind (ccxt 4.5.84, read in base/Exchange.js and base/ws/*.js):
 * - timers set through `Exchange.delay` (Binance's listen-key keep-alive, 20 min; its listen-token
 *   renewal; Bybit and Deribit re-arm timers the same way), which nobody can clear, so a process
 *   with one does not exit until it fires, and when it fires it sends a signed request after close;
 * - pending futures on the clients: close rejects every one with ExchangeClosedByUser, and a future
 *   ccxt made without anybody awaiting it (a subscription made ahead, Binance USD-M's) is then an
 *   unhandled rejection;
 * - a socket whose peer never answers the close frame, which `ws` waits 30 s for (and `close()`
 *   with it).
 * The throttler's loop ends by itself once its queue drains. `closeExchange` closes, settles and
 * clears all of it; importing this module makes every ccxt instance's `delay` timers clearable
 * (and unref'd: a keep-alive never holds the process open), and every websocket client's futures
 * handled (a refused request's orphan future would end the process: see below).
 */
import ccxt, { type Exchange } from 'ccxt';

type Timer = ReturnType<typeof setTimeout>;
const timers = new WeakMap<object, Set<Timer>>();
const closed = new WeakSet<object>();

interface DelayHost { spawn(method: unknown, ...args: unknown[]): unknown }
const proto = (ccxt as unknown as { Exchange: { prototype: Record<string, unknown> } }).Exchange.prototype;
if (proto['__parityDelay'] !== true) {
  proto['__parityDelay'] = true;
  // The same as ccxt's delay (setTimeout, then spawn), with the timer kept per instance.
  proto['delay'] = function delay(this: DelayHost, timeout: number, method: unknown, ...args: unknown[]): void {
    if (closed.has(this)) return; // a keep-alive re-arming itself after close
    let set = timers.get(this);
    if (set === undefined) timers.set(this, (set = new Set()));
    const own = set;
    const t = setTimeout(() => { own.delete(t); if (!closed.has(this)) this.spawn(method, ...args); }, timeout);
    t.unref();
    own.add(t);
  };
}

function settleQuietly(p: unknown): void {
  if (p instanceof Promise) p.catch(() => undefined);
}

/**
 * A future ccxt makes ahead of a request and never awaits itself (Binance spot's
 * userDataStream.subscribe.signature: 'authenticate:signature:spot') is an unhandled rejection
 * when the venue refuses the request, and an unhandled rejection ends a Node process. Every
 * client future is marked handled as ccxt makes it: whoever awaits one still gets its rejection.
 */
interface FutureHost { future(hash: string): Promise<unknown>; reusableFuture?(hash: string): Promise<unknown>; __parityFutures?: true }
if (proto['__parityClient'] !== true) {
  proto['__parityClient'] = true;
  const client = proto['client'] as (this: unknown, url: string) => FutureHost;
  proto['client'] = function parityClient(this: unknown, url: string): FutureHost {
    const c = client.call(this, url);
    if (c.__parityFutures !== true) {
      c.__parityFutures = true;
      for (const m of ['future', 'reusableFuture'] as const) {
        const f = c[m];
        if (typeof f !== 'function') continue;
        c[m] = function handled(this: FutureHost, hash: string): Promise<unknown> {
          const p = f.call(this, hash);
          settleQuietly(p);
          return p;
        };
      }
    }
    return c;
  };
}

interface WsConnection { readyState?: number; terminate?: () => void }
interface WsClientLike {
  futures?: Record<string, Promise<unknown>>;
  connected?: Promise<unknown>;
  disconnected?: Promise<unknown>;
  connection?: WsConnection;
  clearPingInterval?: () => void;
  clearConnectionTimeout?: () => void;
}

/** Clients with their futures marked handled: close() is about to reject them all. */
function clientsOf(ex: Exchange): WsClientLike[] {
  const cs = Object.values((ex as unknown as { clients?: Record<string, WsClientLike> }).clients ?? {});
  for (const c of cs) {
    for (const f of Object.values(c.futures ?? {})) settleQuietly(f);
    settleQuietly(c.connected);
    settleQuietly(c.disconnected);
  }
  return cs;
}

/**
 * Close `ex` (websockets, futures, timers); resolves within about `graceMs` even when a peer never
 * answers the close handshake (its socket is then terminated). Never rejects: a close is best effort,
 * and ExchangeClosedByUser is what ccxt says about its own close.
 */
export async function closeExchange(ex: Exchange, o: { readonly graceMs?: number } = {}): Promise<void> {
  const graceMs = o.graceMs ?? 1000;
  closed.add(ex);
  for (const t of timers.get(ex) ?? []) clearTimeout(t);
  timers.delete(ex);
  const clients = clientsOf(ex);
  let grace: Timer | undefined;
  // Whatever close() rejects with (ExchangeClosedByUser, or a socket already gone) changes nothing here.
  const closing = ex.close().catch(() => undefined);
  await Promise.race([closing, new Promise<void>((res) => { grace = setTimeout(res, graceMs); })]);
  clearTimeout(grace);
  for (const c of clients) {
    c.clearPingInterval?.();
    c.clearConnectionTimeout?.();
    for (const f of Object.values(c.futures ?? {})) settleQuietly(f);
    // 3 = CLOSED in every WebSocket implementation; anything else is still holding a socket.
    if (c.connection !== undefined && c.connection.readyState !== 3) c.connection.terminate?.();
  }
  // Timers a keep-alive set while the close was under way.
  for (const t of timers.get(ex) ?? []) clearTimeout(t);
  timers.delete(ex);
}
