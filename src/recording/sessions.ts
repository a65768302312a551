/**
 * The sessions list: one row per recording, read from the header (first line) and the tail of the
 * file (the end record, or the last snapshot when the session did not stop cleanly), so listing a
 * folder of million-event recordings reads a few kilobytes of each.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EVENTS_FILE, EndRec, HeaderSchema, SnapRec, type Counts, type RecordedAccount } from './format.ts';

export interface SessionRow {
  readonly name: string;
  readonly dir: string;
  readonly id: string;
  /** Wall time the session started (ISO). */
  readonly started: string | null;
  readonly mode: string;
  readonly venue: string;
  readonly strategy: string;
  /** Engine-time span from the first to the last recorded event (ms). */
  readonly durationMs: number | null;
  readonly orders: number | null;
  readonly fills: number | null;
  /** Equity at the end (or the last snapshot) minus the starting cash. */
  readonly pnl: number | null;
  readonly currency: string;
  /** An end record was written: the session stopped cleanly. */
  readonly clean: boolean;
  /** Why a row is incomplete ("no header", "no snapshot yet"...). */
  readonly note: string | null;
}

const HEAD_BYTES = 1 << 20;
const TAIL_BYTES = 1 << 20;

function readSlice(fd: number, pos: number, len: number): string {
  const buf = Buffer.alloc(len);
  const n = readSync(fd, buf, 0, len, pos);
  return buf.toString('utf8', 0, n);
}

function firstTime(head: string): number | null {
  for (const line of head.split('\n').slice(1, 50)) {
    const m = /^\{"k":"[a-z]+","t":(-?[0-9.e+]+)/.exec(line);
    if (m !== null && !line.startsWith('{"k":"snap"')) return Number(m[1]);
  }
  return null;
}

export function readSessionRow(dir: string, name: string): SessionRow | null {
  const file = join(dir, EVENTS_FILE);
  if (!existsSync(file)) return null;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = readSlice(fd, 0, Math.min(size, HEAD_BYTES));
    const tail = size <= HEAD_BYTES ? head : readSlice(fd, Math.max(0, size - TAIL_BYTES), Math.min(size, TAIL_BYTES));
    const nl = head.indexOf('\n');
    let header = null;
    try {
      const h = HeaderSchema.safeParse(JSON.parse(nl >= 0 ? head.slice(0, nl) : head));
      if (h.success) header = h.data;
    } catch { /* reported below as "no header" */ }
    const lines = tail.split('\n');
    let account: RecordedAccount | null = null;
    let counts: Counts | null = null;
    let clean = false;
    let lastT: number | null = null;
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!;
      if (line === '') continue;
      let obj: unknown;
      try { obj = JSON.parse(line); } catch { continue; } // a torn last line, or the cut at the start of the tail
      const k = (obj as { k?: unknown }).k;
      if (lastT === null && k !== 'snap' && k !== 'end') {
        const t = (obj as { t?: unknown }).t;
        if (typeof t === 'number') lastT = t;
      }
      if (k === 'end' && account === null) {
        const e = EndRec.safeParse(obj);
        if (e.success) { account = e.data.account; counts = e.data.counts; clean = true; lastT ??= e.data.t; }
      } else if (k === 'snap' && account === null) {
        const s = SnapRec.safeParse(obj);
        if (s.success) { account = s.data.account; counts = s.data.counts; }
      }
      if (account !== null && lastT !== null) break;
    }
    const t0 = firstTime(head);
    const id = header?.sessionId ?? name.split('-').pop() ?? name;
    return {
      name, dir, id,
      started: header?.startedAt ?? null,
      mode: header?.mode ?? '?',
      venue: header?.venue ?? '?',
      strategy: header?.strategy.name ?? '?',
      durationMs: t0 !== null && lastT !== null ? Math.max(0, lastT - t0) : null,
      orders: counts?.orders ?? null,
      fills: counts?.fills ?? null,
      pnl: account !== null && header !== null ? account.equity - header.account.cash : null,
      currency: header?.account.currency ?? account?.currency ?? '',
      clean,
      note: header === null ? 'no readable header' : account === null ? 'no snapshot yet (very short or crashed early)' : null,
    };
  } finally {
    closeSync(fd);
  }
}

/** Every recording under `sessionsDir`, newest first. */
export function listSessions(sessionsDir: string, cwd = process.cwd()): SessionRow[] {
  const root = resolve(cwd, sessionsDir);
  if (!existsSync(root)) return [];
  const rows: SessionRow[] = [];
  for (const name of readdirSync(root)) {
    const row = readSessionRow(join(root, name), name);
    if (row !== null) rows.push(row);
  }
  return rows.sort((a, b) => (b.started ?? '').localeCompare(a.started ?? '') || a.name.localeCompare(b.name));
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d${String(h).padStart(2, '0')}h`;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/** The list as an aligned table. */
export function formatSessions(rows: readonly SessionRow[]): string {
  if (rows.length === 0) return 'no recorded sessions';
  const head = ['session', 'date', 'mode', 'venue', 'strategy', 'duration', 'orders', 'fills', 'P&L', 'ended'];
  const body = rows.map((r) => [
    r.name, r.started?.slice(0, 16).replace('T', ' ') ?? '-', r.mode, r.venue, r.strategy, formatDuration(r.durationMs),
    r.orders === null ? '-' : String(r.orders), r.fills === null ? '-' : String(r.fills),
    r.pnl === null ? '-' : `${r.pnl >= 0 ? '+' : ''}${r.pnl.toFixed(2)}`, r.clean ? 'clean' : `NOT CLEAN${r.note !== null ? ` (${r.note})` : ''}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const right = new Set([5, 6, 7, 8]);
  const fmt = (cells: readonly string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(head), ...body.map(fmt)].join('\n');
}
