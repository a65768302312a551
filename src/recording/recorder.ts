/**
 * The recorder: an engine observer that writes everything the engine saw and did to a session's
 * events.jsonl (format in format.ts).
 *
 * Order. The engine tells observers about a market event last (after the venue matched it and the
 * strategy saw it), but a reader wants the market event first, then what it caused. While the engine
 * is inside a market event (its processed counter is ahead of ours), other records are held back and
 * written right after the market line, in the order they happened.
 *
 * Cost. onMarket writes its line's bytes straight into one reused 1 MiB buffer: constant key bytes,
 * digits computed in place (the same text num() gives), the symbol's JSON bytes cached. No string is
 * built per market event, so nothing is joined, re-encoded to UTF-8 or collected later (that was
 * 60% of recording a bar). Other lines are JSON.stringify'd, scrubbed, and encoded into the same
 * buffer, in order. The buffer goes to the sink in batches of BATCH_LINES (4096), when full, or every
 * FLUSH_MS (100 ms), whichever comes first, with one write call (sink.ts). A process crash
 * loses at most the batch in memory: up to 4096 events or 100 ms of them; a torn last line is
 * tolerated by the reader. Snapshots every SNAPSHOT_EVERY (1000) events cost one walk of the books.
 *
 * Decisions (order intents, cancels, replaces) are recorded with their trigger (the event being
 * handled) and engine time; `decisionInputs` is the extension point for features and predictions.
 * Replace changes are visible only at the execution client, so `wrapExecution` puts a thin
 * pass-through in front of the venue; everything else comes through the observer hooks.
 */
import type { EngineView, EngineObserver, LogEntry } from '../engine/engine.ts';
import { type Scheduler, type TimerHandle, WallScheduler } from '../ports/scheduler.ts';
import type { AccountEntry, ExecutionClient, ExecutionReport } from '../ports/index.ts';
import type { Bar, MarketEvent } from '../domain/market.ts';
import type { Fill } from '../domain/fill.ts';
import type { ReplaceRequest } from '../domain/order.ts';
import type { OrderEvent, OrderView } from '../orders/order.ts';
import { isOpen } from '../orders/fsm.ts';
import type { TradingState } from '../risk/trading-state.ts';
import type {
  Counts, Decision, DecisionRecord, EndRecord, EventRecord, Header, RecordedFill, RecordedOrderView, ReportRecord, SnapRecord, Trigger,
} from './format.ts';
import { WARMUP_CHUNK } from './format.ts';
import type { StageRecord } from '../engine/model-stage.ts';
import type { RecordSink } from './sink.ts';
import { secrets } from '../util/secrets.ts';
import { crashPoint } from '../journal/crash-point.ts';

export const BATCH_LINES = 4096;
export const FLUSH_MS = 100;
export const SNAPSHOT_EVERY = 1000;
const RECENT_CLOSED = 20;
const RECENT_FILLS = 50;
/** Placeholder for a trigger that is the market event being handled (its number is known at write). */
const PENDING = -2;

export interface RecorderOptions {
  readonly sink: RecordSink;
  /** Where the periodic flush runs (default: the wall clock). */
  readonly scheduler?: Scheduler;
  /** First line of the recording; null for a recorder whose output nobody reads (re-runs). */
  readonly header: Header | null;
  readonly snapshotEvery?: number;
  readonly batchLines?: number;
  /** Time-based flush period; 0 = only on size and on stop (tests, benchmarks, re-runs). */
  readonly flushMs?: number;
  /** Exact strings scrubbed from every non-market line (secret env values, see redact.ts). */
  readonly secrets?: readonly string[];
  /** Called synchronously when the strategy (or the operator) decides something. */
  readonly onDecision?: (d: DecisionRecord, engine: EngineView) => void;
  /** Extension point: what the decision was made from (features, model predictions). */
  readonly decisionInputs?: (engine: EngineView) => Record<string, unknown> | undefined;
}

/** Bytes held before a write even when fewer than batchLines lines (1 MiB). */
const BUFFER_BYTES = 1 << 20;
const ascii = (t: string): Uint8Array => Buffer.from(t, 'latin1');
const L_BAR = ascii('{"k":"bar","t":');
const L_QUOTE = ascii('{"k":"quote","t":');
const L_TRADE = ascii('{"k":"trade","t":');
const L_S = ascii(',"s":');
const L_O = ascii(',"o":');
const L_H = ascii(',"h":');
const L_L = ascii(',"l":');
const L_C = ascii(',"c":');
const L_V = ascii(',"v":');
const L_B = ascii(',"b":');
const L_A = ascii(',"a":');
const L_BS = ascii(',"bs":');
const L_AS = ascii(',"as":');
const L_P = ascii(',"p":');
const L_Q = ascii(',"q":');
const L_END = ascii('}\n');

const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000'];

/**
 * A price or size as JSON text. Market numbers sit on a decimal grid (ticks, lots), and writing them
 * as integer part + fraction is about twice as fast as V8's shortest-double conversion, the largest
 * cost of recording a bar. The text parses back to the very same double (checked: c / 1e8 === x);
 * anything else (negative, huge, more than 8 decimals) takes the ordinary conversion.
 */
export function num(x: number): string {
  if (x > 0 && x < 9e7) {
    const c = Math.round(x * 1e8);
    if (c / 1e8 === x) {
      const ip = Math.floor(c / 1e8);
      let f = c - ip * 1e8;
      if (f === 0) return `${ip}`;
      let d = 8;
      while (f % 10 === 0) { f /= 10; d--; }
      const fs = `${f}`;
      return `${ip}.${ZEROS[d - fs.length]}${fs}`;
    }
  }
  return `${x}`;
}

export class Recorder implements EngineObserver {
  private readonly sink: RecordSink;
  private readonly every: number;
  private readonly batchLines: number;
  private readonly onDecision: RecorderOptions['onDecision'];
  private readonly decisionInputs: RecorderOptions['decisionInputs'];
  /** Lines not yet handed to the sink, as bytes; `lines` of them. */
  private readonly buf: Buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private pos = 0;
  private lines = 0;
  private deferred: EventRecord[] = [];
  /** Events written (header, snapshots and the end record are not events). */
  private n = 0;
  /** The engine's processed-event counter as of the last market line. */
  private markets = 0;
  /** Negative so the first market event writes a snapshot: the books after recovery, before anything else. */
  private lastSnapN = Number.NEGATIVE_INFINITY;
  private lastSym = '';
  private lastSymBytes: Uint8Array = Buffer.from('""');
  private lastTrigger: Trigger = { k: 'start', t: 0, n: -1 };
  private operatorDepth = 0;
  private operatorT = Number.NaN;
  private wrapped = false;
  private engine: EngineView | null = null;
  private timer: TimerHandle | null = null;
  private closed = false;
  private readonly recentClosed = new Map<string, OrderView>();
  private readonly recentFills: RecordedFill[] = [];
  readonly counts: { -readonly [K in keyof Counts]: number } = { orders: 0, fills: 0, decisions: 0, rejections: 0, errors: 0 };

  constructor(opts: RecorderOptions) {
    this.sink = opts.sink;
    this.every = Math.max(1, opts.snapshotEvery ?? SNAPSHOT_EVERY);
    this.batchLines = Math.max(1, opts.batchLines ?? BATCH_LINES);
    // The recorder's own secrets join the process's: one scrubber, one pass per line.
    secrets.add(...(opts.secrets ?? []));
    this.onDecision = opts.onDecision;
    this.decisionInputs = opts.decisionInputs;
    if (opts.header !== null) {
      this.text(this.clean(JSON.stringify(opts.header)));
      this.flush(); // the header is on disk before the first event
    }
    const ms = opts.flushMs ?? FLUSH_MS;
    if (ms > 0) {
      this.timer = (opts.scheduler ?? new WallScheduler()).every(ms, () => this.flush());
    }
  }

  /** Events written so far. */
  eventsWritten(): number {
    return this.n;
  }

  // ---------- hot path ----------

  onMarket(ev: MarketEvent, engine: EngineView): void {
    this.markets = engine.eventsProcessed();
    this.operatorT = Number.NaN;
    const sym = ev.symbol;
    if (sym !== this.lastSym) { this.lastSym = sym; this.lastSymBytes = Buffer.from(JSON.stringify(sym), 'utf8'); }
    // Room for the longest line: the symbol, the keys and seven numbers of at most 24 characters.
    if (this.pos + this.lastSymBytes.length + 256 > this.buf.length) this.flush();
    if (ev.kind === 'bar') {
      this.lit(L_BAR); this.int(ev.ts); this.lit(L_S); this.lit(this.lastSymBytes);
      this.lit(L_O); this.num(ev.open); this.lit(L_H); this.num(ev.high); this.lit(L_L); this.num(ev.low);
      this.lit(L_C); this.num(ev.close); this.lit(L_V); this.num(ev.volume);
    } else if (ev.kind === 'quote') {
      this.lit(L_QUOTE); this.int(ev.ts); this.lit(L_S); this.lit(this.lastSymBytes);
      this.lit(L_B); this.num(ev.bid); this.lit(L_A); this.num(ev.ask); this.lit(L_BS); this.num(ev.bidSize); this.lit(L_AS); this.num(ev.askSize);
    } else {
      this.lit(L_TRADE); this.int(ev.ts); this.lit(L_S); this.lit(this.lastSymBytes);
      this.lit(L_P); this.num(ev.price); this.lit(L_Q); this.num(ev.size);
    }
    this.lit(L_END);
    this.lines++;
    const n = this.n++;
    if (this.deferred.length > 0) this.writeDeferred(ev, n);
    if (this.lines >= this.batchLines) this.flush();
    if (this.n - this.lastSnapN >= this.every) this.snapshot(engine);
  }

  // ---------- bytes ----------

  private lit(a: Uint8Array): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < a.length; i++) b[p++] = a[i]!;
    this.pos = p;
  }

  /** ASCII text (a number's own conversion). */
  private ascii(t: string): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < t.length; i++) b[p++] = t.charCodeAt(i);
    this.pos = p;
  }

  /** The digits of a non-negative safe integer; `width` pads with leading zeros. */
  private digits(v: number, width: number): void {
    let len = 1;
    for (let q = v; q >= 10; q = Math.floor(q / 10)) len++;
    const b = this.buf;
    let p = this.pos;
    for (let z = width - len; z > 0; z--) b[p++] = 48;
    let end = p + len;
    this.pos = end;
    let q = v;
    do { const r = Math.floor(q / 10); b[--end] = 48 + (q - r * 10); q = r; } while (q > 0);
  }

  /** `${t}` for a timestamp. */
  private int(t: number): void {
    if (t >= 0 && t <= Number.MAX_SAFE_INTEGER && Math.floor(t) === t) this.digits(t, 0);
    else this.ascii(`${t}`);
  }

  /** The bytes of num(x). */
  private num(x: number): void {
    if (x > 0 && x < 9e7) {
      const c = Math.round(x * 1e8);
      if (c / 1e8 === x) {
        const ip = Math.floor(c / 1e8);
        let f = c - ip * 1e8;
        this.digits(ip, 0);
        if (f === 0) return;
        let d = 8;
        while (f % 10 === 0) { f /= 10; d--; }
        this.buf[this.pos++] = 46; // '.'
        this.digits(f, d);
        return;
      }
    }
    this.ascii(`${x}`);
  }

  /** A whole line of text (JSON of a non-market record, scrubbed), then its newline. */
  private text(line: string): void {
    // Scrubbed text, at most 3 bytes per UTF-16 unit, plus the newline.
    const max = line.length * 3 + 1;
    if (this.pos + max > this.buf.length) {
      this.flush();
      if (max > this.buf.length) {
        // Larger than the buffer (a big snapshot): its own write, in order after what was held.
        this.lines++;
        this.sink.write(`${line}\n`);
        return;
      }
    }
    this.pos += this.buf.write(line, this.pos, 'utf8');
    this.buf[this.pos++] = 10;
    this.lines++;
  }

  // ---------- everything else ----------

  onReport(report: ExecutionReport, engine: EngineView): void {
    this.engine = engine;
    const { raw, ...r } = report as ExecutionReport & { raw?: unknown };
    const inMarket = this.inMarket(engine);
    const rec: EventRecord = { k: 'report', t: this.time(engine), r: r as ReportRecord['r'], ...(inMarket ? { m: 1 as const } : {}), ...(raw !== undefined ? { raw } : {}) };
    if (r.kind === 'rejected' || r.kind === 'cancel_rejected' || r.kind === 'replace_rejected') this.counts.rejections++;
    this.emit(rec, engine);
  }

  onOrderEvent(ev: OrderEvent, engine: EngineView): void {
    this.engine = engine;
    const o = ev.order;
    if (ev.kind === 'submit' || ev.kind === 'deny') {
      this.counts.orders++;
      this.decide({ op: 'submit', id: ev.clientOrderId, req: o.request }, engine, o.request.tag === 'flatten');
    } else if (ev.kind === 'cancel_request') {
      this.decide({ op: 'cancel', id: ev.clientOrderId }, engine, false);
    } else if (ev.kind === 'replace_request' && !this.wrapped) {
      this.decide({ op: 'replace', id: ev.clientOrderId, changes: null }, engine, false);
    }
    if (ev.kind === 'deny') this.counts.rejections++;
    const rec: EventRecord = {
      k: 'order', t: this.time(engine), id: ev.clientOrderId, ev: ev.kind, from: ev.from, to: ev.to,
      ...(ev.reason !== undefined ? { reason: ev.reason } : {}), o: o as RecordedOrderView,
    };
    if (!isOpen(o.status)) {
      this.recentClosed.delete(o.clientOrderId);
      this.recentClosed.set(o.clientOrderId, o);
      if (this.recentClosed.size > RECENT_CLOSED) this.recentClosed.delete(this.recentClosed.keys().next().value!);
    } else {
      this.recentClosed.delete(o.clientOrderId);
    }
    this.emit(rec, engine);
  }

  onFill(fill: Fill, engine: EngineView): void {
    this.engine = engine;
    this.counts.fills++;
    this.recentFills.push(fill);
    if (this.recentFills.length > RECENT_FILLS) this.recentFills.shift();
    // The books after the fill: a reader takes these as given instead of re-deriving the ledger.
    this.emit({ k: 'fill', t: this.time(engine), f: fill, pos: engine.portfolio.position(fill.symbol), acct: engine.portfolio.account() }, engine);
  }

  /** A funding payment, liquidation or rebate the venue booked, with the account after it. */
  onAccountEntry(entry: AccountEntry, engine: EngineView): void {
    this.engine = engine;
    const inMarket = this.inMarket(engine);
    this.emit({ k: 'entry', t: this.time(engine), e: { ...entry }, ...(inMarket ? { m: 1 as const } : {}), acct: engine.portfolio.account() }, engine);
  }

  onLog(entry: LogEntry, engine: EngineView): void {
    this.engine = engine;
    // The kill switch announces itself in the log, then acts at the same engine time, outside any
    // market event: what it submits or cancels then is the operator's decision, not the strategy's.
    if (entry.source === 'operator' && !this.inMarket(engine)) this.operatorT = this.time(engine);
    if (entry.level === 'error') this.counts.errors++;
    let fields: Record<string, unknown> | undefined;
    if (entry.fields !== undefined) {
      try {
        fields = JSON.parse(JSON.stringify(entry.fields)) as Record<string, unknown>;
      } catch {
        fields = { unserializable: String(entry.fields) };
      }
    }
    const t = Number.isFinite(entry.ts) ? entry.ts : this.time(engine);
    this.emit({ k: 'log', t, level: entry.level, src: entry.source, msg: entry.message, ...(fields !== undefined ? { fields } : {}) }, engine);
  }

  /** A decision's pipeline stage (features and prediction per bar; the strategy's signal and target). */
  onStage(stage: StageRecord, engine: EngineView): void {
    this.engine = engine;
    const t = stage.ts;
    if (stage.kind === 'model') {
      const f: (number | null)[] = new Array(stage.values.length);
      for (let i = 0; i < f.length; i++) { const v = stage.values[i]!; f[i] = Number.isNaN(v) ? null : v; }
      const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
      this.emit({ k: 'stage', t, s: stage.symbol, st: 'model', f, p: orNull(stage.prediction), fi: [orNull(stage.funding), orNull(stage.index)] }, engine);
    } else {
      this.emit({ k: 'stage', t, s: stage.symbol, st: stage.kind, v: stage.kind === 'signal' ? stage.value : stage.qty }, engine);
    }
  }

  /** Warm-up bars, in the order fed, so a re-run warms the strategy up with the very same history. */
  onWarmup(bars: readonly Bar[], engine: EngineView): void {
    this.engine = engine;
    const t = this.time(engine);
    for (let i = 0; i < bars.length; i += WARMUP_CHUNK) {
      const chunk = bars.slice(i, i + WARMUP_CHUNK).map((b) => ({ t: b.ts, s: b.symbol, o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume }));
      this.emit({ k: 'warmup', t, bars: chunk }, engine);
    }
  }

  onTradingState(state: TradingState, engine: EngineView): void {
    this.engine = engine;
    this.emit({ k: 'state', t: this.time(engine), st: state, ...(this.inMarket(engine) ? { m: 1 as const } : {}) }, engine);
  }

  onStop(engine: EngineView): void {
    this.engine = engine;
    this.end(engine, 'stopped');
  }

  /**
   * The process is leaving without a clean stop (an uncaught error, an exit from elsewhere): write
   * what is held and an end record saying why, synchronously, so the recording is whole up to here.
   * A no-op once the recording is closed (after a clean stop).
   */
  finalize(reason: string): void {
    if (this.closed) return;
    if (this.engine === null) { this.close(); return; }
    try {
      this.end(this.engine, reason);
    } catch {
      // The engine's state may be what broke: keep the lines already held.
      this.close();
    }
  }

  private end(engine: EngineView, reason: string): void {
    if (this.closed) return;
    this.writeDeferred(null, -1);
    const end: EndRecord = {
      k: 'end', t: this.time(engine), reason, wall: new Date().toISOString(), events: this.n,
      account: engine.portfolio.account(), counts: { ...this.counts },
    };
    this.snapshot(engine);
    this.text(this.clean(JSON.stringify(end)));
    this.close();
  }

  // ---------- operator, gates, errors (called by the console, `parity ctl`, the gates) ----------

  /** Run `fn` as the operator: decisions it causes (flatten, cancel all) are marked src "operator". */
  asOperator<T>(fn: () => T): T {
    this.operatorDepth++;
    try {
      return fn();
    } finally {
      this.operatorDepth--;
    }
  }

  /** An operator action (a hotkey, `parity ctl`): pause, resume, halt, cancel_all, flatten, ... */
  operatorAction(action: string, by: string, detail?: Record<string, unknown>): void {
    const e = this.engine;
    const t = e === null ? 0 : this.time(e);
    const rec: EventRecord = { k: 'operator', t, action, by, ...(detail !== undefined ? { detail } : {}) };
    if (e === null) this.writeRec(rec); else this.emit(rec, e);
  }

  /** A pre-flight or runtime gate's verdict. */
  gate(name: string, ok: boolean, detail?: string): void {
    const e = this.engine;
    const rec: EventRecord = { k: 'gate', t: e === null ? 0 : this.time(e), name, ok, ...(detail !== undefined ? { detail } : {}) };
    if (e === null) this.writeRec(rec); else this.emit(rec, e);
  }

  /** An error outside the engine's own log (an adapter, the console). */
  error(where: string, err: unknown): void {
    this.counts.errors++;
    const e = this.engine;
    const msg = err instanceof Error ? err.message : String(err);
    const stack = err instanceof Error && err.stack !== undefined ? { stack: err.stack } : {};
    const rec: EventRecord = { k: 'error', t: e === null ? 0 : this.time(e), where, msg, ...stack };
    if (e === null) this.writeRec(rec); else this.emit(rec, e);
  }

  /**
   * A pass-through in front of the venue that sees replace changes (the observer hooks do not).
   * Everything else goes straight to `inner`; `inner` stays reachable for venue-specific calls.
   */
  wrapExecution<E extends ExecutionClient>(inner: E): ExecutionClient & { readonly inner: E } {
    this.wrapped = true;
    const w: ExecutionClient & { readonly inner: E } = {
      inner,
      get venue() { return inner.venue; },
      get capabilities() { return inner.capabilities; },
      get queries() { return inner.queries; },
      // The transport hooks go through (round-trip timers start when a request really left). The
      // answer to a replace is where the torture test's after-replace-sent crash point kills.
      // The entries sink goes through too: venue-initiated entries (funding) reach the engine's books.
      connect: (sink, transport, entries) => inner.connect((rep) => { if (rep.kind === 'replaced' || rep.kind === 'replace_rejected') crashPoint('after-replace-sent'); sink(rep); }, transport, entries),
      submit: (cmd) => inner.submit(cmd),
      cancel: (id, ts) => inner.cancel(id, ts),
      replace: (id: string, changes: ReplaceRequest, ts: number) => {
        if (this.engine !== null) this.decide({ op: 'replace', id, changes: { ...changes } }, this.engine, false);
        inner.replace(id, changes, ts);
      },
      disconnect: () => inner.disconnect(),
    };
    if (inner.onMarketData !== undefined) {
      const f = inner.onMarketData.bind(inner);
      w.onMarketData = f;
    }
    if (inner.connection !== undefined) w.connection = inner.connection.bind(inner);
    if (inner.deadMan !== undefined) w.deadMan = inner.deadMan.bind(inner);
    return w;
  }

  // ---------- writing ----------

  /** Hand the buffered lines to the sink in one write. */
  flush(): void {
    if (this.pos === 0 || this.closed) return;
    // The sink copies (or writes) the bytes before returning: the buffer is reused at once.
    const bytes = this.buf.subarray(0, this.pos);
    this.pos = 0;
    this.lines = 0;
    this.sink.write(bytes);
  }

  /** Flush and close the sink (idempotent; onStop does it on a clean stop). */
  close(): void {
    if (this.closed) return;
    if (this.timer !== null) { this.timer.cancel(); this.timer = null; }
    this.flush();
    this.closed = true;
    this.sink.close();
  }

  private time(engine: EngineView): number {
    const t = engine.now();
    return Number.isFinite(t) ? t : 0;
  }

  private inMarket(engine: EngineView): boolean {
    return engine.eventsProcessed() > this.markets;
  }

  private decide(d: Decision, engine: EngineView, flatten: boolean): void {
    const inMarket = this.inMarket(engine);
    const t = this.time(engine);
    const x = this.decisionInputs?.(engine);
    const rec: DecisionRecord = {
      k: 'decision', t, d, src: this.operatorDepth > 0 || flatten || (!inMarket && t === this.operatorT) ? 'operator' : 'strategy',
      trig: inMarket ? { k: 'market', t, n: PENDING } : this.lastTrigger,
      ...(x !== undefined ? { x } : {}),
    };
    this.counts.decisions++;
    this.onDecision?.(rec, engine);
    this.emit(rec, engine);
  }

  private emit(rec: EventRecord, engine: EngineView): void {
    if (this.closed) return;
    if (this.inMarket(engine)) this.deferred.push(rec);
    else {
      this.writeRec(rec);
      if (this.lines >= this.batchLines) this.flush();
      // Quiet sessions (few market events) still get snapshots.
      if (this.n - this.lastSnapN >= 2 * this.every) this.snapshot(engine);
    }
  }

  private writeRec(rec: EventRecord): void {
    if (this.closed) return;
    this.text(this.clean(JSON.stringify(rec)));
    const n = this.n++;
    if (rec.k === 'report' || rec.k === 'operator' || rec.k === 'fill' || rec.k === 'gate') this.lastTrigger = { k: rec.k, t: rec.t, n };
  }

  /** Write held-back records after the market line `n` that caused them. */
  private writeDeferred(ev: MarketEvent | null, n: number): void {
    const list = this.deferred;
    if (list.length === 0) return;
    this.deferred = [];
    for (const rec of list) {
      if (rec.k === 'decision' && rec.trig.n === PENDING) {
        (rec as { trig: Trigger }).trig = ev === null ? { k: 'unknown', t: rec.t, n: -1 } : { k: ev.kind, t: ev.ts, n, s: ev.symbol };
      }
      this.writeRec(rec);
    }
  }

  private snapshot(engine: EngineView): void {
    this.lastSnapN = this.n;
    const p = engine.portfolio;
    const marks: Record<string, number> = {};
    for (const sym of engine.context().symbols) {
      const last = engine.last(sym);
      if (last !== undefined) marks[sym] = last;
    }
    const snap: SnapRecord = {
      k: 'snap', t: this.time(engine), n: this.n, positions: p.positionsList(), account: p.account(),
      orders: [...engine.openOrderViews(), ...this.recentClosed.values()] as RecordedOrderView[], fills: [...this.recentFills],
      state: engine.tradingState(), marks, counts: { ...this.counts },
    };
    this.text(this.clean(JSON.stringify(snap)));
  }

  private clean(line: string): string {
    return secrets.scrub(line);
  }
}
