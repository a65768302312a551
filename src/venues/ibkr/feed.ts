/**
 * Market data from TWS as a PushFeed: 5-second real-time bars (reqRealTimeBars, TRADES) folded into
 * one-minute bars, the interval the engine and the warm-up use. A minute is given to the engine
 * when its last 5-second bar (:55) arrives, or when a bar of a later minute does. On 1101 (TWS
 * reconnected to IB, data lost) and after a socket reconnect every subscription is made again;
 * on 1102 (data kept) nothing is touched. 354 / 10167 / 200 for a subscription are said with
 * their remedy (error-codes.ts), and the session runs on without bars for that symbol.
 */
import type { Instrument } from '../../domain/instrument.ts';
import type { Bar, MarketEvent } from '../../domain/market.ts';
import type { PushFeed } from '../../ports/index.ts';
import { EventName, WhatToShow } from '@stoqey/ib';
import { describeMessage } from './error-codes.ts';
import type { IbkrLink } from './link.ts';
import { toContract, type ContractSpec } from './translate.ts';
import { z } from 'zod';

const RtBar = z.object({
  reqId: z.number().int(),
  date: z.number().int().positive(),
  open: z.number(), high: z.number(), low: z.number(), close: z.number(),
  volume: z.number().nonnegative(),
});

export interface IbkrFeedOptions {
  readonly link: IbkrLink;
  readonly instruments: readonly Instrument[];
  readonly route?: string;
  readonly contracts?: Readonly<Record<string, ContractSpec>>;
  readonly onInfo?: (level: 'info' | 'warn' | 'debug', msg: string) => void;
}

/** Folds 5-second bars of one symbol into minute bars (pure; tests drive it directly). */
export class MinuteFolder {
  private cur: Bar | null = null;
  /** The newest minute already given: its late 5-second bars are dropped. */
  private given = Number.NEGATIVE_INFINITY;
  constructor(private readonly symbol: string) {}

  /** The previous bar's start, and whether the source turned out to send whole minutes. */
  private prevStart: number | null = null;
  private wholeMinutes = false;

  /**
   * A real-time bar starting at `startMs` (5 seconds at TWS; a source that sends whole one-minute
   * bars, as `parity venue --protocol tws` does, is recognised by minute-aligned starts a minute or
   * more apart, and each bar is then given at once): the minute bars that are complete now.
   */
  push(startMs: number, o: number, h: number, l: number, c: number, v: number): Bar[] {
    const minute = Math.floor(startMs / 60_000) * 60_000;
    const out: Bar[] = [];
    if (this.prevStart !== null && startMs === minute && this.prevStart % 60_000 === 0 && startMs - this.prevStart >= 60_000) this.wholeMinutes = true;
    else if (startMs !== minute) this.wholeMinutes = false;
    this.prevStart = startMs;
    if (this.wholeMinutes && minute > this.given) {
      if (this.cur !== null && this.cur.ts < minute) out.push(this.cur);
      this.cur = null;
      this.given = minute;
      out.push({ kind: 'bar', symbol: this.symbol, ts: minute, open: o, high: h, low: l, close: c, volume: v });
      return out;
    }
    if (minute <= this.given) return out; // late 5-second bar of a minute already given
    if (this.cur !== null && minute > this.cur.ts) { out.push(this.cur); this.given = this.cur.ts; this.cur = null; }
    if (this.cur !== null && minute < this.cur.ts) return out;
    this.cur = this.cur === null
      ? { kind: 'bar', symbol: this.symbol, ts: minute, open: o, high: h, low: l, close: c, volume: v }
      : { ...this.cur, high: Math.max(this.cur.high, h), low: Math.min(this.cur.low, l), close: c, volume: this.cur.volume + v };
    if (startMs - minute >= 55_000) { out.push(this.cur); this.given = minute; this.cur = null; }
    return out;
  }
}

export class IbkrFeed implements PushFeed {
  readonly kind = 'push';
  private readonly subs = new Map<number, { symbol: string; folder: MinuteFolder }>();
  private sink: ((e: MarketEvent) => void) | null = null;
  private stopped = false;
  private readonly onBar = (reqId: number, date: number, open: number, high: number, low: number, close: number, volume: number): void => {
    const sub = this.subs.get(reqId);
    if (sub === undefined || this.sink === null) return;
    const p = RtBar.safeParse({ reqId, date: Number(date), open, high, low, close, volume: Number(volume) });
    if (!p.success) {
      this.o.onInfo?.('warn', `real-time bar for ${sub.symbol} unreadable: ${p.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    const b = p.data;
    for (const bar of sub.folder.push(b.date * 1000, b.open, b.high, b.low, b.close, b.volume)) this.sink(bar);
  };

  constructor(private readonly o: IbkrFeedOptions) {
    o.link.on({
      restored: (why, dataLost) => {
        // 1102 keeps the subscriptions; 1101 and a new socket lose them.
        if (dataLost && !this.stopped && this.sink !== null) {
          this.o.onInfo?.('info', `market data resubscribed after ${why}`);
          this.subscribeAll();
        }
      },
    });
  }

  start(sink: (event: MarketEvent) => void): void {
    this.sink = sink;
    this.o.link.api.on(EventName.realtimeBar, this.onBar);
    this.subscribeAll();
  }

  stop(): void {
    this.stopped = true;
    this.o.link.api.off(EventName.realtimeBar, this.onBar);
    for (const id of this.subs.keys()) { if (this.o.link.socketUp()) this.o.link.api.cancelRealTimeBars(id); }
    this.subs.clear();
  }

  private subscribeAll(): void {
    const old = [...this.subs.entries()];
    this.subs.clear();
    for (const [id] of old) if (this.o.link.socketUp()) this.o.link.api.cancelRealTimeBars(id);
    for (const inst of this.o.instruments) {
      const reqId = this.o.link.newReqId();
      const prev = old.find(([, s]) => s.symbol === inst.symbol)?.[1];
      this.subs.set(reqId, { symbol: inst.symbol, folder: prev?.folder ?? new MinuteFolder(inst.symbol) });
      this.o.link.listen(reqId, (m) => this.o.onInfo?.('warn', `market data for ${inst.symbol}: ${describeMessage(m.code, m.message)}`));
      if (this.o.link.socketUp()) this.o.link.api.reqRealTimeBars(reqId, toContract(inst, this.o.route ?? 'SMART', this.o.contracts?.[inst.symbol]), 5, WhatToShow.TRADES, false);
    }
  }
}
