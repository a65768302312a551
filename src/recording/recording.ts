/**
 * Opening a recording: one pass over events.jsonl that validates every line (zod), notes where each
 * event starts, its kind, time and navigation flags, finds the snapshots, and computes the equity
 * after every event. Event contents stay in the file's text and are parsed again on demand, so a
 * million-event recording costs a few arrays beyond its text.
 *
 * Damage is reported, never fatal: a torn last line (the session died mid-write), a garbage line in
 * the middle, a kind from a newer parity, a line that fails validation. Each becomes a warning that
 * names its line numbers; everything readable is kept.
 *
 * State at event i = the nearest snapshot at or before i, then the events after it re-applied
 * (model.ts). Stepping forward continues from the cached state; anything else restarts from the
 * snapshot, so the answer for a cursor never depends on how it was reached.
 */
import { readFileSync } from 'node:fs';
import type { ZodType } from 'zod';
import {
  BarRec, DecisionRec, EndRec, EntryRec, ErrorRec, FillRec, GateRec, HeaderSchema, KIND_CODE, LogRec, OperatorRec, OrderRec,
  QuoteRec, ReportRec, SnapRec, StageRec, StateRec, TradeRec, WarmupRec, FLAG, flagsOf, describeRecord,
  type BarRecord, type EndRecord, type EventKind, type EventRecord, type Header, type NavKind, type SnapRecord, KIND_CODES,
} from './format.ts';
import { ReplayModel, type ReplayState } from './model.ts';
import { resolveSession, RecordingError } from './resolve.ts';

const EVENT_SCHEMAS: Readonly<Record<EventKind, ZodType<EventRecord>>> = {
  bar: BarRec, quote: QuoteRec, trade: TradeRec, report: ReportRec, order: OrderRec, fill: FillRec, entry: EntryRec,
  decision: DecisionRec, log: LogRec, state: StateRec, operator: OperatorRec, gate: GateRec, error: ErrorRec, warmup: WarmupRec, stage: StageRec,
} as Record<EventKind, ZodType<EventRecord>>;

export type WarningKind = 'torn' | 'garbage' | 'unknown' | 'invalid' | 'header';

export interface RecordingWarning {
  readonly kind: WarningKind;
  /** 1-based line numbers in events.jsonl. */
  readonly lines: readonly number[];
  readonly message: string;
}

export interface LogLine {
  readonly index: number;
  readonly t: number;
  readonly kind: EventKind;
  readonly flags: number;
  readonly text: string;
}

export interface EquityPoint {
  readonly t: number;
  readonly equity: number;
}

const NAV_FLAG: Readonly<Record<NavKind, number>> = {
  fill: FLAG.fill, rejection: FLAG.rejection, error: FLAG.error, operator: FLAG.operator,
  gateFailure: FLAG.gateFailure, decision: FLAG.decision, order: FLAG.order,
};

interface SnapRef { readonly at: number; readonly start: number; readonly end: number }

export interface OpenOptions {
  readonly sessionsDir?: string;
  readonly cwd?: string;
}

export class Recording {
  readonly total: number;
  private cache: { snap: number; index: number; model: ReplayModel } | null = null;
  private readonly snapCache = new Map<number, SnapRecord>();

  constructor(
    readonly dir: string,
    readonly file: string,
    readonly header: Header | null,
    readonly end: EndRecord | null,
    readonly warnings: readonly RecordingWarning[],
    private readonly text: string,
    private readonly starts: Uint32Array,
    private readonly ends: Uint32Array,
    private readonly lines: Uint32Array,
    private readonly kinds: Uint8Array,
    private readonly flags: Uint8Array,
    private readonly times: Float64Array,
    private readonly equityAt: Float64Array,
    /** Snapshots in file order; `at` = events before it. */
    private readonly snaps: readonly SnapRef[],
  ) {
    this.total = kinds.length;
  }

  /** Ended with an end record (a clean stop). */
  get clean(): boolean {
    return this.end !== null;
  }

  kindOf(i: number): EventKind {
    return KIND_CODES[this.kinds[i]!]!;
  }

  flagsAt(i: number): number {
    return this.flags[i]!;
  }

  /** Engine time of event i (never decreasing). */
  timeOf(i: number): number {
    return this.times[i]!;
  }

  lineOf(i: number): number {
    return this.lines[i]!;
  }

  equityOf(i: number): number {
    return this.equityAt[i]!;
  }

  firstTime(): number {
    return this.total > 0 ? this.times[0]! : 0;
  }

  lastTime(): number {
    return this.total > 0 ? this.times[this.total - 1]! : 0;
  }

  /** Whether event i's line contains `needle` (a cheap filter before parsing, e.g. `"src":"gates"`). */
  lineIncludes(i: number, needle: string): boolean {
    if (i < 0 || i >= this.total) return false;
    // A bounded search: indexOf from the line's start would run on through the rest of the file.
    return this.text.slice(this.starts[i]!, this.ends[i]!).includes(needle);
  }

  /** Event i, parsed (it was validated when the file was opened). */
  record(i: number): EventRecord {
    if (i < 0 || i >= this.total) throw new RangeError(`event ${i} is outside 0..${this.total - 1}`);
    const obj: unknown = JSON.parse(this.text.slice(this.starts[i]!, this.ends[i]!));
    return EVENT_SCHEMAS[this.kindOf(i)].parse(obj);
  }

  snapshotCount(): number {
    return this.snaps.length;
  }

  private snapshot(j: number): SnapRecord {
    let s = this.snapCache.get(j);
    if (s === undefined) {
      const ref = this.snaps[j]!;
      s = SnapRec.parse(JSON.parse(this.text.slice(ref.start, ref.end)));
      if (this.snapCache.size > 64) this.snapCache.clear();
      this.snapCache.set(j, s);
    }
    return s;
  }

  /** Index of the last snapshot whose state is at or before event i (-1: start from the beginning). */
  private snapFor(i: number): number {
    let lo = 0;
    let hi = this.snaps.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.snaps[mid]!.at <= i + 1) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best;
  }

  /** The state after event i (-1: before the first event). */
  stateAt(i: number): ReplayState {
    const idx = Math.max(-1, Math.min(i, this.total - 1));
    const s = this.snapFor(idx);
    let c = this.cache;
    if (c === null || c.snap !== s || c.index > idx) {
      const model = new ReplayModel(this.header);
      if (s >= 0) model.reset(this.snapshot(s));
      c = { snap: s, index: s >= 0 ? this.snaps[s]!.at - 1 : -1, model };
    }
    for (let k = c.index + 1; k <= idx; k++) c.model.apply(this.record(k));
    c.index = idx;
    this.cache = c;
    return c.model.view(idx);
  }

  /** The last event at or before time t (0 when t is before the first event). */
  indexAtTime(t: number): number {
    let lo = 0;
    let hi = this.total - 1;
    let best = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid]! <= t) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best;
  }

  /** The next event after i of a kind, or null. */
  findNext(i: number, kind: NavKind): number | null {
    const f = NAV_FLAG[kind];
    for (let k = Math.max(-1, i) + 1; k < this.total; k++) if ((this.flags[k]! & f) !== 0) return k;
    return null;
  }

  findPrev(i: number, kind: NavKind): number | null {
    const f = NAV_FLAG[kind];
    for (let k = Math.min(this.total, i) - 1; k >= 0; k--) if ((this.flags[k]! & f) !== 0) return k;
    return null;
  }

  /**
   * The events log as of event i: the `count` most recent events that are not market data, plus
   * event i itself whatever it is (so the log always shows where the cursor stands).
   */
  logAt(i: number, count: number): LogLine[] {
    const out: LogLine[] = [];
    if (i < 0 || this.total === 0) return out;
    const idx = Math.min(i, this.total - 1);
    for (let k = idx; k >= 0 && out.length < count; k--) {
      const f = this.flags[k]!;
      if (k !== idx && (f & FLAG.market) !== 0) continue;
      const r = this.record(k);
      out.push({ index: k, t: this.times[k]!, kind: r.k, flags: f, text: describeRecord(r) });
    }
    return out.reverse();
  }

  /** Equity after each event up to i, thinned to at most `points` points (the last is event i's). */
  equitySeries(i: number, points = 200): EquityPoint[] {
    const idx = Math.min(i, this.total - 1);
    if (idx < 0) return [];
    const n = idx + 1;
    const stride = Math.max(1, Math.ceil(n / points));
    const out: EquityPoint[] = [];
    // Anchored at the cursor so the newest point is always the state shown.
    const first = idx % stride;
    for (let k = first; k <= idx; k += stride) out.push({ t: this.times[k]!, equity: this.equityAt[k]! });
    return out;
  }

  /** Warnings as text for a terminal. */
  describeWarnings(): string {
    return this.warnings.map((w) => `warning: ${w.message}`).join('\n');
  }
}

function lineList(lines: readonly number[]): string {
  const shown = lines.slice(0, 20).join(', ');
  return lines.length > 20 ? `${shown} and ${lines.length - 20} more` : shown;
}

const BAR_CODE = KIND_CODE.bar;
const BAR_KEYS = ['"t":', '"s":', '"o":', '"h":', '"l":', '"c":', '"v":'] as const;

/** A number the way JSON writes one (what BarRec's z.number() accepts after JSON.parse). */
const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/**
 * Bar lines are most of a recording and the recorder writes them in one fixed shape, so they get a
 * dedicated parser that applies the same rules as BarRec (every field present, finite numbers, a
 * string symbol) at a fraction of JSON.parse + zod's cost. Anything not in that exact shape returns
 * null and goes through JSON.parse and zod like every other line.
 */
function fastBar(text: string, start: number, end: number): BarRecord | null {
  if (!text.startsWith('{"k":"bar",', start) || text.charCodeAt(end - 1) !== 125) return null;
  let p = start + 11;
  const vals: number[] = [];
  let sym = '';
  for (let f = 0; f < 7; f++) {
    const key = BAR_KEYS[f]!;
    if (!text.startsWith(key, p)) return null;
    p += 4;
    if (f === 1) {
      if (text.charCodeAt(p) !== 34) return null;
      const q = text.indexOf('"', p + 1);
      if (q < 0 || q > end) return null;
      sym = text.slice(p + 1, q);
      if (sym.includes('\\')) return null;
      p = q + 1;
    } else {
      const stop = f === 6 ? end - 1 : text.indexOf(',', p);
      if (stop < 0 || stop > end) return null;
      const raw = text.slice(p, stop);
      if (!JSON_NUMBER.test(raw)) return null;
      vals.push(Number(raw));
      p = stop;
    }
    if (f < 6) {
      if (text.charCodeAt(p) !== 44) return null;
      p++;
    }
  }
  if (p !== end - 1) return null;
  return { k: 'bar', t: vals[0]!, s: sym, o: vals[1]!, h: vals[2]!, l: vals[3]!, c: vals[4]!, v: vals[5]! };
}

/** Open a recording by folder, file or short id. Throws RecordingError only when nothing is readable. */
export function openRecording(arg: string, opts: OpenOptions = {}): Recording {
  const { dir, file } = resolveSession(arg, opts.sessionsDir, opts.cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RecordingError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseRecording(text, dir, file);
}

/** The single pass over a recording's text (exported for tests and the benchmark). */
export function parseRecording(text: string, dir = '', file = ''): Recording {
  let cap = 0;
  for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) cap++;
  cap++;
  const starts = new Uint32Array(cap);
  const ends = new Uint32Array(cap);
  const lines = new Uint32Array(cap);
  const kinds = new Uint8Array(cap);
  const flags = new Uint8Array(cap);
  const times = new Float64Array(cap);
  const equity = new Float64Array(cap);
  const snaps: SnapRef[] = [];
  const torn: number[] = [];
  const garbage: number[] = [];
  const invalid: number[] = [];
  const invalidWhy = new Map<string, number>();
  const unknown = new Map<string, number[]>();
  let header: Header | null = null;
  let end: EndRecord | null = null;
  let headerProblem: string | null = null;
  let model: ReplayModel | null = null;
  let n = 0;
  let lastT = Number.NEGATIVE_INFINITY;
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    let e = text.indexOf('\n', pos);
    const complete = e >= 0;
    if (!complete) e = text.length;
    lineNo++;
    const start = pos;
    pos = e + 1;
    if (e === start || (e === start + 1 && text.charCodeAt(start) === 13)) continue;
    const fast = text.charCodeAt(start + 6) === 98 ? fastBar(text, start, e) : null; // 'b' of "bar"
    if (fast !== null) {
      model ??= new ReplayModel(header);
      model.apply(fast);
      starts[n] = start;
      ends[n] = e;
      lines[n] = lineNo;
      kinds[n] = BAR_CODE;
      flags[n] = FLAG.market;
      lastT = fast.t > lastT ? fast.t : lastT;
      times[n] = lastT;
      equity[n] = model.equity();
      n++;
      continue;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(text.slice(start, e));
    } catch {
      if (!complete) torn.push(lineNo); else garbage.push(lineNo);
      continue;
    }
    const k = typeof obj === 'object' && obj !== null ? (obj as { k?: unknown }).k : undefined;
    if (typeof k !== 'string') { garbage.push(lineNo); continue; }
    if (lineNo === 1 || (header === null && k === 'header')) {
      if (k === 'header') {
        const h = HeaderSchema.safeParse(obj);
        if (h.success) header = h.data;
        else headerProblem = `line 1 is a header this version cannot read (${h.error.issues[0]?.path.join('.')}: ${h.error.issues[0]?.message}): account, instruments and strategy are unknown`;
        model = new ReplayModel(header);
        continue;
      }
      headerProblem = 'line 1 is not a header: account, instruments and strategy are unknown (re-run is impossible)';
    }
    model ??= new ReplayModel(header);
    if (k === 'snap') {
      const s = SnapRec.safeParse(obj);
      if (!s.success) { invalid.push(lineNo); invalidWhy.set('snap', (invalidWhy.get('snap') ?? 0) + 1); continue; }
      snaps.push({ at: n, start, end: e });
      model.reset(s.data);
      continue;
    }
    if (k === 'end') {
      const r = EndRec.safeParse(obj);
      if (r.success) end = r.data; else invalid.push(lineNo);
      continue;
    }
    if (k === 'header') { invalid.push(lineNo); invalidWhy.set('second header', 1); continue; }
    const schema = EVENT_SCHEMAS[k as EventKind] as ZodType<EventRecord> | undefined;
    if (schema === undefined) {
      const l = unknown.get(k);
      if (l === undefined) unknown.set(k, [lineNo]); else l.push(lineNo);
      continue;
    }
    const r = schema.safeParse(obj);
    if (!r.success) {
      invalid.push(lineNo);
      const why = `${k}: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`;
      invalidWhy.set(why, (invalidWhy.get(why) ?? 0) + 1);
      continue;
    }
    const rec = r.data;
    model.apply(rec);
    starts[n] = start;
    ends[n] = e;
    lines[n] = lineNo;
    kinds[n] = KIND_CODE[rec.k];
    flags[n] = flagsOf(rec);
    // Engine time never goes back; a late market event stamped earlier keeps the cursor monotonic.
    lastT = rec.t > lastT ? rec.t : lastT;
    times[n] = lastT;
    equity[n] = model.equity();
    n++;
  }
  const warnings: RecordingWarning[] = [];
  const where = file === '' ? 'the recording' : file;
  if (lineNo === 0) headerProblem = 'the recording is empty';
  else if (header === null && headerProblem === null) headerProblem = 'no readable header: account, instruments and strategy are unknown (re-run is impossible)';
  if (headerProblem !== null) warnings.push({ kind: 'header', lines: [1], message: `${where}: ${headerProblem}` });
  if (torn.length > 0) warnings.push({ kind: 'torn', lines: torn, message: `${where}: the last line (${lineList(torn)}) is torn (the session stopped mid-write); it was skipped` });
  if (garbage.length > 0) warnings.push({ kind: 'garbage', lines: garbage, message: `${where}: ${garbage.length} unreadable line${garbage.length > 1 ? 's' : ''} (not JSON) skipped: line${garbage.length > 1 ? 's' : ''} ${lineList(garbage)}` });
  for (const [k, l] of unknown) {
    warnings.push({ kind: 'unknown', lines: l, message: `${where}: ${l.length} event${l.length > 1 ? 's' : ''} of kind "${k}", unknown to parity ${header?.parity ?? ''} (recorded by a newer version?), skipped: line${l.length > 1 ? 's' : ''} ${lineList(l)}` });
  }
  if (invalid.length > 0) {
    const why = [...invalidWhy.keys()].slice(0, 3).join('; ');
    warnings.push({ kind: 'invalid', lines: invalid, message: `${where}: ${invalid.length} line${invalid.length > 1 ? 's' : ''} failed validation (${why}), skipped: line${invalid.length > 1 ? 's' : ''} ${lineList(invalid)}` });
  }
  return new Recording(
    dir, file, header, end, warnings, text,
    starts.subarray(0, n), ends.subarray(0, n), lines.subarray(0, n), kinds.subarray(0, n), flags.subarray(0, n),
    times.subarray(0, n), equity.subarray(0, n), snaps,
  );
}
