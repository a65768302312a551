/**
 * One-minute bars from a ccxt venue: watchOHLCV per symbol where the profile has it, REST
 * fetchOHLCV polling otherwise and to cover a closed socket's gap. A candle is passed on once it is
 * complete: ccxt re-sends the forming candle on every update, so a candle is closed when a later
 * one appears (closedBars, pure). Bars are emitted in time order, each once.
 */
import type { Exchange } from 'ccxt';
import type { Bar, MarketEvent } from '../../domain/market.ts';
import type { PushFeed } from '../../ports/index.ts';
import { type Scheduler, type TimerHandle, WallScheduler } from '../../ports/scheduler.ts';
import type { CcxtProfile } from './profiles.ts';
import { watchLoop } from './watch-loop.ts';
import { CcxtOHLCV } from './wire.ts';

type Candle = readonly [number, number, number, number, number, number];

/** Per symbol: the newest candle seen (still forming) and the newest bar already passed on. */
export interface CandleState { forming: Candle | null; emittedTs: number }

/**
 * The bars a batch of candles completes, oldest first. A candle is complete when a candle with a
 * later open time has been seen; `now` also completes one whose minute has passed (a quiet market
 * sends no next candle). Never a bar at or before one already emitted.
 */
export function closedBars(symbol: string, st: CandleState, candles: readonly Candle[], now: number, periodMs = 60_000): Bar[] {
  const byTs = new Map<number, Candle>();
  if (st.forming !== null) byTs.set(st.forming[0], st.forming);
  for (const c of candles) byTs.set(c[0], c);
  const sorted = [...byTs.values()].sort((a, b) => a[0] - b[0]);
  const out: Bar[] = [];
  st.forming = null;
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i]!;
    const complete = i < sorted.length - 1 || c[0] + periodMs <= now;
    if (!complete) { st.forming = c; break; }
    if (c[0] <= st.emittedTs) continue;
    out.push({ kind: 'bar', symbol, ts: c[0], open: c[1], high: c[2], low: c[3], close: c[4], volume: c[5] });
    st.emittedTs = c[0];
  }
  return out;
}

export interface CcxtFeedOptions {
  readonly profile: CcxtProfile;
  readonly exchange: Exchange;
  readonly symbols: readonly string[];
  readonly scheduler?: Scheduler;
  /** REST polling period where there is no websocket (default 5 s). */
  readonly pollMs?: number;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly onInfo?: (level: 'info' | 'warn', msg: string) => void;
  /** The venue's clock (default the scheduler's): a quiet minute closes on it. */
  readonly now?: () => number;
  /** Bars at or before these times per symbol were already given (the warm-up). */
  readonly after?: ReadonlyMap<string, number>;
}

export class CcxtFeed implements PushFeed {
  readonly kind = 'push' as const;
  private closed = false;
  private readonly timers: TimerHandle[] = [];
  private readonly state = new Map<string, CandleState>();
  private readonly scheduler: Scheduler;

  constructor(private readonly o: CcxtFeedOptions) {
    this.scheduler = o.scheduler ?? new WallScheduler();
  }

  start(sink: (e: MarketEvent) => void, _done: () => void): void {
    for (const symbol of this.o.symbols) {
      const st: CandleState = { forming: null, emittedTs: this.o.after?.get(symbol) ?? -Infinity };
      this.state.set(symbol, st);
      const apply = (raw: unknown): void => {
        if (!Array.isArray(raw)) return;
        const candles = raw.map((c) => CcxtOHLCV.safeParse(c)).filter((r) => r.success).map((r) => r.data);
        for (const b of closedBars(symbol, st, candles, this.o.now?.() ?? this.scheduler.now())) sink(b);
      };
      const poll = async (): Promise<void> => {
        // The newest candles: a venue's clock and its candles' times need not agree (a replaying fake).
        apply(await this.o.exchange.fetchOHLCV(symbol, '1m', undefined, 100));
      };
      if (this.o.profile.ws.watchOHLCV === true) {
        void watchLoop({
          name: `${symbol} candles`, watch: () => this.o.exchange.watchOHLCV(symbol, '1m'), apply, gap: poll,
          closed: () => this.closed, scheduler: this.scheduler,
          down: (n, err, attempt) => { if (attempt === 0) this.o.onInfo?.('warn', `${n} websocket: ${err instanceof Error ? err.message : String(err)}; resubscribing, REST covers the gap`); },
          up: (n) => this.o.onInfo?.('info', `${n} websocket back`),
          backoff: { initialMs: this.o.reconnectInitialMs ?? 500, maxMs: this.o.reconnectMaxMs ?? 30_000 },
        });
      } else {
        this.timers.push(this.scheduler.every(this.o.pollMs ?? 5000, () => { void poll().catch(() => undefined); }));
      }
      // A quiet market sends no next candle: the forming one closes when its minute has passed.
      this.timers.push(this.scheduler.every(5000, () => apply([])));
    }
  }

  stop(): void {
    this.closed = true;
    for (const t of this.timers.splice(0)) t.cancel();
  }
}
