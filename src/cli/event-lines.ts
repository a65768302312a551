/**
 * EngineView events as lines: human text on a terminal, JSON lines for `--headless` (scripts, logs).
 */
import type { EngineView, EngineObserver, LogEntry } from '../engine/engine.ts';
import type { Fill } from '../domain/fill.ts';
import type { OrderEvent } from '../orders/order.ts';
import { describeOrder } from '../domain/order.ts';
import type { TradingState } from '../risk/trading-state.ts';

const iso = (ts: number): string => (Number.isFinite(ts) ? new Date(ts).toISOString() : '-');

/**
 * A stream write error that means the reader is gone (`| head -1`, a closed terminal or socket): the
 * lines stop, the session does not.
 */
const GONE = new Set(['EPIPE', 'EIO', 'ENXIO', 'EBADF', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export class EventLines implements EngineObserver {
  private gone = false;

  /**
   * `onGone` is told once when the reader closes the stream (the stream's 'error' event is handled
   * here, so a closed pipe is never an unhandled error that takes the process down); other errors
   * stop the lines too (nothing more can be written) and are reported the same way.
   */
  constructor(private readonly out: NodeJS.WritableStream, private readonly json: boolean, onGone?: (err: NodeJS.ErrnoException, expected: boolean) => void) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (this.gone) return;
      this.gone = true;
      onGone?.(err, GONE.has(err.code ?? ''));
    });
  }

  /** The reader closed the stream: nothing is written any more. */
  isGone(): boolean {
    return this.gone;
  }

  private write(kind: string, ts: number, text: string, data: Record<string, unknown>): void {
    if (this.gone) return;
    if (this.json) {
      // `ts` and `kind` mean the same on every line: a payload's own (a fill's epoch-ms ts) does not override them.
      const line: Record<string, unknown> = { ts: iso(ts), kind, ...data };
      line['ts'] = iso(ts);
      line['kind'] = kind;
      this.out.write(`${JSON.stringify(line)}\n`);
    }
    else this.out.write(`${iso(ts)}  ${kind.padEnd(7)} ${text}\n`);
  }

  onOrderEvent(ev: OrderEvent): void {
    const o = ev.order;
    this.write('order', ev.ts, `${ev.clientOrderId} ${describeOrder(o.request)} ${ev.from} -> ${ev.to}${ev.reason ? ` (${ev.reason})` : ''}`,
      { clientOrderId: ev.clientOrderId, event: ev.kind, from: ev.from, to: ev.to, request: o.request, reason: ev.reason ?? null });
  }

  onFill(f: Fill, engine: EngineView): void {
    const pos = engine.portfolio.position(f.symbol);
    this.write('fill', f.ts, `${f.side.toUpperCase()} ${f.qty} ${f.symbol} @ ${f.price} fee ${f.fee} -> position ${pos.qty}, equity ${engine.portfolio.equity().toFixed(2)}`,
      { ...f, position: pos.qty, equity: engine.portfolio.equity() });
  }

  onLog(e: LogEntry): void {
    if (e.level === 'debug') return;
    this.write(e.level, e.ts, `[${e.source}] ${e.message}`, { source: e.source, message: e.message });
  }

  onTradingState(s: TradingState): void {
    this.write('state', s.since, `trading ${s.status}: ${s.reason}`, { status: s.status, reason: s.reason });
  }

  onStop(engine: EngineView): void {
    const a = engine.portfolio.account();
    this.write('stop', engine.now(), `session ended: equity ${a.equity.toFixed(2)}, realized ${a.realizedPnl.toFixed(2)}, fees ${a.fees.toFixed(2)}`,
      { equity: a.equity, realizedPnl: a.realizedPnl, fees: a.fees, events: engine.eventsProcessed() });
  }
}
