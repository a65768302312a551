/**
 * One ccxt watch* stream kept alive: watch, apply, watch again. ccxt does not resubscribe by
 * itself: a closed socket (or two missed pongs) rejects the pending watch, and nothing more arrives
 * until watch* is called again. On a rejection the loop waits (exponential backoff with jitter),
 * resubscribes, and runs `gap` (REST) before reading the new subscription, so whatever happened
 * while the socket was down is fetched and nothing falls between the two.
 *
 * A stream is up again when the venue acknowledges the new subscription (`subscribed`), not only
 * when a frame arrives: a quiet account sends none, and a console that calls the stream down holds
 * trading paused, so no order of ours would ever make the frame that clears it.
 */
import ccxt, { type Exchange } from 'ccxt';
import type { Scheduler } from '../../ports/scheduler.ts';
import type { CcxtProfile } from './profiles.ts';
import { backoffDelay, type BackoffOptions } from '../ibkr/backoff.ts';

/** The venue's acknowledgement of a subscription, awaited (or given up: `cancel`). */
export interface Ack {
  readonly acked: Promise<void>;
  cancel(): void;
}

export interface WatchLoopOptions<T> {
  readonly name: string;
  readonly watch: () => Promise<T>;
  readonly apply: (x: T) => void;
  /** Cover the gap over REST (after resubscribing, before reading). */
  readonly gap: (why: string) => Promise<void>;
  readonly down: (name: string, err: unknown, attempt: number) => void;
  readonly up: (name: string) => void;
  /** The venue's answer to the subscription the next watch() sends (null: only a frame says up). */
  readonly subscribed?: (() => Ack | null) | undefined;
  readonly closed: () => boolean;
  readonly scheduler: Scheduler;
  readonly backoff: BackoffOptions;
}

/** Runs until `closed()`; never rejects. */
export async function watchLoop<T>(o: WatchLoopOptions<T>): Promise<void> {
  let attempt = 0;
  let pending: Promise<T> | null = null;
  let ack: Ack | null = null;
  while (!o.closed()) {
    try {
      const x: T = await (pending ?? o.watch());
      pending = null;
      ack?.cancel();
      ack = null;
      if (attempt > 0) o.up(o.name);
      attempt = 0;
      o.apply(x);
    } catch (err) {
      pending = null;
      ack?.cancel();
      ack = null;
      if (o.closed()) return;
      o.down(o.name, err, attempt);
      // Listen from the drop on: an acknowledgement of this channel on the new socket while we
      // back off (another stream on the same channel resubscribed first, and the venue need not
      // acknowledge a repeat) counts once our own watch is sent; one from before the drop does not.
      const mine = o.subscribed?.() ?? null;
      ack = mine;
      await o.scheduler.sleep(backoffDelay(attempt++, o.backoff));
      if (o.closed()) { mine?.cancel(); return; }
      pending = o.watch();
      pending.catch(() => undefined);
      if (mine !== null) {
        void mine.acked.then(() => {
          if (ack !== mine || o.closed()) return;
          ack = null;
          attempt = 0;
          o.up(o.name);
        }, () => undefined);
      }
      await o.gap(`${o.name} websocket closed`).catch(() => undefined);
    }
  }
}

// ---------- ccxt: subscription acknowledgements and refused logins ----------

/**
 * The channel whose subscribe acknowledgement says a stream is up again, by the adapter's stream
 * name (OKX: ccxt's watchMyTrades rides the 'orders' channel). A stream not listed is up on its
 * first frame only.
 */
const ACK_CHANNEL: Readonly<Record<string, string>> = { orders: 'orders', 'my trades': 'orders', positions: 'positions' };

type AckListener = (channel: string) => void;
interface WsClientLike { url: string; error?: unknown; subscriptions: Record<string, unknown>; futures: Record<string, unknown>; onError(e: Error): void; close(): unknown }
type AckHandler = (client: unknown, message: unknown) => unknown;
const tapped = new WeakMap<Exchange, Set<AckListener>>();

/**
 * ccxt.pro resolves nothing when the venue acknowledges a subscription (okx handleSubscriptionStatus
 * just returns the message), so the adapter listens there, on this ccxt instance only: OKX answers
 * {event:'subscribe', arg:{channel, ...}} once the channel is live on the socket.
 */
function listeners(ex: Exchange): Set<AckListener> | null {
  const have = tapped.get(ex);
  if (have !== undefined) return have;
  const target = ex as unknown as { handleSubscriptionStatus?: AckHandler };
  const inner = target.handleSubscriptionStatus;
  if (typeof inner !== 'function') return null;
  const set = new Set<AckListener>();
  target.handleSubscriptionStatus = function (this: unknown, client: unknown, message: unknown): unknown {
    const out = inner.call(this, client, message);
    const channel = channelOf(message);
    if (channel !== null) for (const l of [...set]) l(channel);
    return out;
  };
  tapped.set(ex, set);
  return set;
}

function channelOf(message: unknown): string | null {
  if (typeof message !== 'object' || message === null) return null;
  const arg = (message as { arg?: unknown }).arg;
  if (typeof arg !== 'object' || arg === null) return null;
  const ch = (arg as { channel?: unknown }).channel;
  return typeof ch === 'string' ? ch : null;
}

/** The next acknowledgement of the stream's channel on `ex` (null: none to listen for). */
export function ccxtSubscribed(ex: Exchange, stream: string): Ack | null {
  const channel = ACK_CHANNEL[stream];
  const set = channel !== undefined ? listeners(ex) : null;
  if (set === null) return null;
  let l: AckListener = () => undefined;
  const acked = new Promise<void>((resolve) => {
    l = (ch) => { if (ch === channel) { set.delete(l); resolve(); } };
    set.add(l);
  });
  return { acked, cancel: () => { set.delete(l); } };
}

/** A watch rejected because the venue refused the websocket login (OKX 60009 and the other 600xx key errors). */
export function isLoginRefusal(err: unknown): boolean {
  return err instanceof ccxt.AuthenticationError;
}

/**
 * After a refused login ccxt keeps the socket and its 'authenticated' subscription, so it never
 * sends the login again and every later watch on it waits forever. Drop each such client (as
 * ccxt's own keepalive timeout does): the next watch dials a new socket and logs in afresh. A
 * client that logged in keeps its 'authenticated' future (ccxt resolves it in place); a refused
 * one had it rejected and removed, which is how it is told apart.
 */
export function dropRefusedLogins(ex: Exchange, err: unknown): number {
  let n = 0;
  for (const c of Object.values(ex.clients as unknown as Record<string, WsClientLike>)) {
    if (c.error !== undefined || !('authenticated' in c.subscriptions) || 'authenticated' in c.futures) continue;
    // onError takes it out of ccxt's registry at once (so no close event can remove its successor); close ends the socket.
    c.onError(err instanceof Error ? err : new ccxt.AuthenticationError(String(err)));
    void Promise.resolve(c.close()).catch(() => undefined);
    n++;
  }
  return n;
}

/** Why a stream is down: the network (resubscribing covers it) or a refused login (the keys, or the clock). */
export type DownKind = 'network' | 'login';

export const downKindOf = (err: unknown): DownKind => (isLoginRefusal(err) ? 'login' : 'network');

/** What to check when the venue refuses the websocket login (the REST keys may be fine: these are the same keys, signed on the socket). */
export function loginAdvice(p: CcxtProfile, live: boolean): string {
  const keys = [p.env.apiKey, p.env.secret, p.env.password].filter((k): k is string => k !== null).join(' / ');
  return `check ${keys} (${live ? 'live keys with --live, not the paper ones' : `paper needs keys made ${p.paperKeys}, not live ones`}) and this machine's clock`;
}

export function loginRefusedText(p: CcxtProfile, live: boolean, stream: string, msg: string): string {
  return `${stream} websocket: ${p.endpoints.venue} refused the websocket login (${msg}): ${loginAdvice(p, live)}; logging in again with backoff, REST covers the gap`;
}

/** The connection status' words for the streams that are down. */
export function streamsDownDetail(down: ReadonlyMap<string, DownKind>, p: CcxtProfile, live: boolean): string {
  const names = [...down.keys()].join(', ');
  const login = [...down.values()].includes('login');
  return login ? `websocket down: ${names}: ${p.endpoints.venue} refused the login, ${loginAdvice(p, live)} (REST covers the gap)` : `websocket down: ${names} (REST covers the gap)`;
}
