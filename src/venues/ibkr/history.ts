/**
 * Warm-up history from TWS: the newest N one-minute TRADES bars per symbol (reqHistoricalData,
 * formatDate 2 = epoch seconds). TWS paces historical requests; a 162 (pacing violation) backs off
 * (doubling, a few times) and says so, and a symbol that still cannot be fetched starts cold.
 */
import { BarSizeSetting, EventName, WhatToShow } from '@stoqey/ib';
import type { Instrument } from '../../domain/instrument.ts';
import type { Bar } from '../../domain/market.ts';
import { type Scheduler, WallScheduler } from '../../ports/scheduler.ts';
import { describeMessage } from './error-codes.ts';
import { IbkrApiError, IbkrConnectionError } from './errors.ts';
import type { IbkrLink } from './link.ts';
import { toContract, type ContractSpec } from './translate.ts';
import { parseIbTime } from './wire.ts';

export interface IbkrHistoryOptions {
  readonly link: IbkrLink;
  readonly instruments: readonly Instrument[];
  readonly count: number;
  readonly route?: string;
  readonly contracts?: Readonly<Record<string, ContractSpec>>;
  /** First wait after a 162 (default 10 s, doubling), and how many tries (default 3). */
  readonly pacingMs?: number;
  readonly tries?: number;
  readonly timeoutMs?: number;
  readonly scheduler?: Scheduler;
  readonly log: (level: 'info' | 'warn', msg: string) => void;
}

/** A 162 that is a pacing violation (not "no data", which TWS sends under the same code). */
export const isPacing = (message: string): boolean => /pacing/i.test(message);

/** The TWS duration string that covers `count` one-minute bars with room for nights and weekends. */
export function durationFor(count: number): string {
  const days = Math.max(2, Math.ceil(count / 390) * 2 + 2);
  return days > 365 ? '1 Y' : `${days} D`;
}

export async function fetchIbkrWarmup(o: IbkrHistoryOptions): Promise<{ bars: Bar[]; perSymbol: Record<string, number> }> {
  const scheduler = o.scheduler ?? new WallScheduler();
  const bars: Bar[] = [];
  const perSymbol: Record<string, number> = {};
  for (const inst of o.instruments) {
    let wait = o.pacingMs ?? 10_000;
    let got: Bar[] | null = null;
    for (let attempt = 1; attempt <= (o.tries ?? 3) && got === null; attempt++) {
      try {
        got = await oneRequest(o, inst, scheduler);
      } catch (err) {
        // 162 is also TWS's "HMDS query returned no data": only a pacing violation is worth waiting for.
        if (err instanceof IbkrApiError && err.code === 162 && isPacing(err.venueText) && attempt < (o.tries ?? 3)) {
          o.log('warn', `history for ${inst.symbol}: TWS 162 pacing violation; backing off ${Math.round(wait / 1000)} s before asking again (attempt ${attempt + 1})`);
          await scheduler.sleep(wait);
          wait *= 2;
          continue;
        }
        const noData = err instanceof IbkrApiError && err.code === 162 && !isPacing(err.venueText);
        o.log(noData ? 'info' : 'warn', `history for ${inst.symbol}: ${noData ? 'TWS has no history before now' : err instanceof Error ? err.message : String(err)}; it starts cold`);
        break;
      }
    }
    const list = (got ?? []).slice(-o.count);
    perSymbol[inst.symbol] = list.length;
    bars.push(...list);
  }
  bars.sort((a, b) => a.ts - b.ts || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { bars, perSymbol };
}

function oneRequest(o: IbkrHistoryOptions, inst: Instrument, scheduler: Scheduler): Promise<Bar[]> {
  const link = o.link;
  if (!link.socketUp()) return Promise.reject(new IbkrConnectionError('not connected to TWS'));
  const reqId = link.newReqId();
  const ms = o.timeoutMs ?? 30_000;
  return new Promise<Bar[]>((resolve, reject) => {
    const out: Bar[] = [];
    const done = (f: () => void): void => {
      timer.cancel();
      unlisten();
      offDrop();
      link.api.off(EventName.historicalData, on);
      f();
    };
    const on = (id: number, time: string, open: number, high: number, low: number, close: number, volume: number): void => {
      if (id !== reqId) return;
      if (String(time).startsWith('finished')) { done(() => resolve(out)); return; }
      const ts = parseIbTime(String(time));
      if (ts === null || ![open, high, low, close].every((x) => Number.isFinite(x) && x > 0)) return;
      const prev = out[out.length - 1];
      if (prev !== undefined && ts <= prev.ts) return; // repeated or out of order: never to the indicators
      out.push({ kind: 'bar', symbol: inst.symbol, ts, open, high, low, close, volume: Number.isFinite(Number(volume)) && Number(volume) >= 0 ? Number(volume) : 0 });
    };
    const unlisten = link.listen(reqId, (m) => done(() => reject(new IbkrApiError(m.code, m.id, describeMessage(m.code, m.message), m.message))));
    const timer = scheduler.after(ms, () => done(() => reject(new IbkrConnectionError(`no history answer within ${ms} ms`))));
    const offDrop = link.onceDropped(() => done(() => reject(new IbkrConnectionError('the connection to TWS dropped before the history answer'))));
    link.api.on(EventName.historicalData, on);
    link.api.reqHistoricalData(reqId, toContract(inst, o.route ?? 'SMART', o.contracts?.[inst.symbol]), '', durationFor(o.count), BarSizeSetting.MINUTES_ONE, WhatToShow.TRADES, 0, 2, false);
  });
}
