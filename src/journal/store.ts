/**
 * The durable store of one account at one venue (`state/<venue>-<account>/`), not of a session:
 * a restarted console continues the same client order id sequence and finds its open orders.
 *
 *   LOCK            one writer (pid + process start time; a stale lock is taken over at once)
 *   journal.jsonl   every intent, report, fill and state change, hash-chained (journal.ts)
 *   state.json      lowdb snapshot of the coalesced state at some journal seq (durable adapter:
 *                   write, fsync, rename, fsync the folder), rewritten at most every few seconds
 *   history/        rotated journal files
 *
 * The journal is the durable record; the snapshot only saves replaying it. On open, the snapshot is
 * used when the journal confirms it (the record at its seq has its hash); otherwise the state is
 * rebuilt from the journal and the disagreement is reported.
 *
 * Every file of the store (lock, journal, snapshot) is on the file-system port (`fs` in the options,
 * the real disk by default). lowdb only calls our adapter's read/write, so the snapshot goes through
 * the port too; lowdb's own file adapters (and their node:fs) are not used.
 */
import { secrets } from '../util/secrets.ts';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { LowSync, type SyncAdapter } from 'lowdb';
import { z } from 'zod';
import type { FileSystem } from '../ports/file-system.ts';
import { writeFileDurable } from '../util/durable-file.ts';
import { nodeFileSystem } from '../util/node-file-system.ts';
import { StoreError } from './errors.ts';
import { Journal, type JournalRecord } from './journal.ts';
import { StoreLock } from './lock.ts';
import {
  type StoreState, type StoredTradingState, StoreStateSchema, emptyState, pruneHistory, reduce, utcDay,
} from './state.ts';

const SnapshotSchema = z.object({
  state: StoreStateSchema,
  journal: z.object({ seq: z.number().int().nonnegative(), hash: z.string() }),
  writtenAt: z.string(),
});
type Snapshot = z.infer<typeof SnapshotSchema>;

/** lowdb adapter: zod-checked read, durable whole-file write. */
export class DurableJsonAdapter<T> implements SyncAdapter<T> {
  constructor(private readonly path: string, private readonly schema: z.ZodType<T>, private readonly fs: FileSystem = nodeFileSystem) {}
  read(): T | null {
    if (!this.fs.exists(this.path)) return null;
    const text = this.fs.readText(this.path);
    const r = this.schema.safeParse(JSON.parse(text));
    if (!r.success) throw new StoreError(`${this.path} is not a valid store snapshot (${r.error.issues[0]?.message ?? 'bad shape'}): delete it and parity rebuilds it from the journal`);
    return r.data;
  }
  write(data: T): void {
    writeFileDurable(this.path, secrets.scrub(JSON.stringify(data)), this.fs);
  }
}

export interface StoreOptions {
  /** The store folder, e.g. state/alpaca-PA123. Use `storeDir()` to name it. */
  readonly dir: string;
  readonly venue: string;
  readonly account: string;
  readonly wallNow?: () => number;
  /** Snapshot at most this often (wall ms) when something changed. Default 5000. */
  readonly snapshotEveryMs?: number;
  /** Rotate the journal past this size (bytes) or when the UTC day changes. Default 16 MiB. */
  readonly rotateBytes?: number;
  /** The disk (default: the real one, node:fs). */
  readonly fs?: FileSystem;
}

/** `state/<venue>-<account>`: the folder of one account at one venue. */
export function storeDir(root: string, venue: string, account: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return resolve(join(root, `${safe(venue)}-${safe(account)}`));
}

export interface StoreOpenResult {
  readonly store: Store;
  readonly warnings: string[];
  /** How the state was obtained. */
  readonly source: 'new' | 'snapshot+journal' | 'journal';
}

export class Store {
  readonly dir: string;
  private readonly journal: Journal;
  private readonly lock: StoreLock;
  private readonly db: LowSync<Snapshot | null>;
  private readonly wallNow: () => number;
  private readonly snapshotEveryMs: number;
  private readonly rotateBytes: number;
  private lastSnapshotWall = 0;
  private dirty = false;
  private journalDay: string;
  private closed = false;
  /** The coalesced state, kept current by every append. Read it; never write it directly. */
  readonly state: StoreState;

  private constructor(dir: string, journal: Journal, lock: StoreLock, db: LowSync<Snapshot | null>, state: StoreState, opts: StoreOptions, day: string) {
    this.dir = dir;
    this.journal = journal;
    this.lock = lock;
    this.db = db;
    this.state = state;
    this.wallNow = opts.wallNow ?? Date.now;
    this.snapshotEveryMs = opts.snapshotEveryMs ?? 5000;
    this.rotateBytes = opts.rotateBytes ?? 16 * 1024 * 1024;
    this.journalDay = day;
  }

  static open(opts: StoreOptions): StoreOpenResult {
    const dir = resolve(opts.dir);
    const fs = opts.fs ?? nodeFileSystem;
    fs.mkdir(dir, 0o700); // account ids and journals are no one else's business
    const lock = StoreLock.acquire(dir, 'localhost', fs);
    try {
      const warnings: string[] = [];
      if (lock.tookOverFrom !== null) warnings.push(`took over the store lock left by process ${lock.tookOverFrom.pid} (no longer running)`);
      const opened = Journal.open({ dir, fs, ...(opts.wallNow !== undefined ? { wallNow: opts.wallNow } : {}) });
      warnings.push(...opened.warnings);
      const records = opened.records;
      const db = new LowSync<Snapshot | null>(new DurableJsonAdapter(join(dir, 'state.json'), SnapshotSchema.nullable(), fs), null);
      let snap: Snapshot | null = null;
      try {
        db.read();
        snap = db.data;
      } catch (err) {
        warnings.push(`${err instanceof Error ? err.message : String(err)}; rebuilding from the journal`);
      }
      let state: StoreState;
      let source: StoreOpenResult['source'];
      let from = 0;
      const at = snap === null ? -1 : records.findIndex((r) => r.seq === snap!.journal.seq);
      if (snap !== null && at >= 0 && records[at]!.hash === snap.journal.hash) {
        state = structuredClone(snap.state);
        from = at + 1;
        source = 'snapshot+journal';
      } else if (snap !== null && snap.journal.seq === opened.journal.lastSeq() && snap.journal.hash === opened.journal.lastHash()) {
        state = structuredClone(snap.state);
        from = records.length;
        source = 'snapshot+journal';
      } else {
        if (snap !== null) {
          warnings.push(`the store snapshot (journal seq ${snap.journal.seq}) disagrees with the journal (seq ${records[0]?.seq ?? 0}-${opened.journal.lastSeq()}): rebuilt from the journal`);
        }
        state = emptyState('000000', opts.venue, opts.account);
        source = records.length === 0 ? 'new' : 'journal';
      }
      for (let i = from; i < records.length; i++) reduce(state, records[i]!);
      const firstDay = records[0] !== undefined ? utcDay(records[0].ts) : utcDay((opts.wallNow ?? Date.now)());
      const store = new Store(dir, opened.journal, lock, db, state, opts, firstDay);
      if (records.length === 0) {
        const storeId = newStoreId();
        store.append('genesis', { storeId, venue: opts.venue, account: opts.account }, true);
      } else if (state.venue !== opts.venue || state.account !== opts.account) {
        throw new StoreError(`the store ${dir} belongs to ${state.venue}/${state.account}, not ${opts.venue}/${opts.account}: use the right folder`);
      }
      if (source === 'journal') store.snapshot(true);
      return { store, warnings, source };
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  get storeId(): string {
    return this.state.storeId;
  }

  journalPath(): string {
    return this.journal.path;
  }

  lastSeq(): number {
    return this.journal.lastSeq();
  }

  /** Append a record and fold it into the state. `sync`: fdatasync before returning. */
  append<D>(kind: string, data: D, sync = false): JournalRecord<D> {
    if (this.closed) throw new StoreError(`the store ${this.dir} is closed`);
    const rec = this.journal.append(kind, data, sync);
    reduce(this.state, rec);
    this.dirty = true;
    return rec;
  }

  /** The trading state as persisted (the console's kill switch stores its level here too). */
  get tradingState(): StoredTradingState | null {
    return this.state.tradingState;
  }

  set tradingState(s: StoredTradingState) {
    const cur = this.state.tradingState;
    if (cur !== null && cur.status === s.status && cur.reason === s.reason && cur.killSwitchLevel === s.killSwitchLevel) return;
    this.append('trading_state', s, true);
  }

  /** Reserve the next client order id sequence number (made durable with the intent that uses it). */
  takeSeq(): number {
    return this.state.nextSeq++;
  }

  /** Write the snapshot if something changed and the last one is older than snapshotEveryMs. */
  maybeSnapshot(): boolean {
    if (!this.dirty || this.wallNow() - this.lastSnapshotWall < this.snapshotEveryMs) return false;
    this.snapshot(false);
    return true;
  }

  /** Write the lowdb snapshot now (and rotate the journal when it is big or a new day began). */
  snapshot(force: boolean): void {
    if (!force && !this.dirty) return;
    const today = utcDay(this.wallNow());
    if (this.journal.sizeBytes() > this.rotateBytes || today !== this.journalDay) {
      pruneHistory(this.state, today);
      this.journal.rotate(this.state);
      this.journalDay = today;
    } else {
      this.journal.sync();
    }
    this.db.data = { state: this.state, journal: { seq: this.journal.lastSeq(), hash: this.journal.lastHash() }, writtenAt: new Date(this.wallNow()).toISOString() };
    this.db.write();
    this.lastSnapshotWall = this.wallNow();
    this.dirty = false;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.snapshot(true);
      this.journal.close();
    } finally {
      this.closed = true;
      this.lock.release();
    }
  }

  /** For crash tests: drop the lock and file handle without a snapshot (as a killed process would). */
  abandon(): void {
    this.closed = true;
    this.lock.release();
  }
}

function newStoreId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (const b of randomBytes(6)) s += alphabet[b % 36];
  return s;
}
