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
 * State loss is not silent: a folder that has recorded before (a snapshot, or history/) whose journal
 * is missing, empty, ends before the snapshot's seq, or was written for another store id refuses to
 * start (StoreStateLostError), writing nothing, and names the remedies: restore the journal, or
 * `parity state reset --confirm <folder>` (resetStore below), which archives the folder's files so the
 * next start begins a fresh store. A rotated journal still opens: rotation continues the seq with a
 * checkpoint, so it never ends before a snapshot. history/ is the audit trail only (the current file's
 * checkpoint holds the whole state): missing beside a rotated journal, it is a warning. What cannot be
 * seen: one history file deleted out of several (the port cannot list a folder), and a journal cut
 * short, or deleted, together with the snapshot in a store that never rotated (nothing else remembers).
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
import { StoreError, StoreStateLostError } from './errors.ts';
import { HISTORY_DIR, JOURNAL_FILE, Journal, type JournalRecord, NEXT_FILE } from './journal.ts';
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

const SNAPSHOT_FILE = 'state.json';

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
    let journal: Journal | null = null;
    try {
      const warnings: string[] = [];
      if (lock.tookOverFrom !== null) warnings.push(`took over the store lock left by process ${lock.tookOverFrom.pid} (no longer running)`);
      const db = new LowSync<Snapshot | null>(new DurableJsonAdapter(join(dir, SNAPSHOT_FILE), SnapshotSchema.nullable(), fs), null);
      let snap: Snapshot | null = null;
      try {
        db.read();
        snap = db.data;
      } catch (err) {
        warnings.push(`${err instanceof Error ? err.message : String(err)}; rebuilding from the journal`);
      }
      // What says this folder has recorded before: then its journal must be there, whole, and its own.
      const hasSnapshotFile = fs.exists(join(dir, SNAPSHOT_FILE));
      const hasHistory = fs.exists(join(dir, HISTORY_DIR));
      const traces = recordedTraces(snap, hasSnapshotFile, hasHistory);
      // Checked before the journal is opened, which would create an empty one: a refusal writes nothing.
      if (traces !== null && !fs.exists(join(dir, JOURNAL_FILE)) && !fs.exists(join(dir, NEXT_FILE))) {
        throw new StoreStateLostError(dir, `${JOURNAL_FILE} is missing, but ${traces}`);
      }
      const opened = Journal.open({ dir, fs, ...(opts.wallNow !== undefined ? { wallNow: opts.wallNow } : {}) });
      journal = opened.journal;
      warnings.push(...opened.warnings);
      const records = opened.records;
      if (traces !== null && records.length === 0) throw new StoreStateLostError(dir, `${JOURNAL_FILE} is empty, but ${traces}`);
      if (snap !== null && records.length > 0) {
        const journalId = storeIdOf(records[0]!);
        if (journalId !== null && journalId !== snap.state.storeId) {
          throw new StoreStateLostError(dir, `${JOURNAL_FILE} belongs to store ${journalId}, but ${SNAPSHOT_FILE} is a snapshot of store ${snap.state.storeId} `
            + '(the journal of another store, or of an earlier store in this folder, was put here)');
        }
        const lastSeq = opened.journal.lastSeq();
        // Rotation never lowers the seq (a new file continues it with a checkpoint), so this is loss.
        if (lastSeq < snap.journal.seq) {
          throw new StoreStateLostError(dir, `${JOURNAL_FILE} ends at seq ${lastSeq}, but ${SNAPSHOT_FILE} is a snapshot at journal seq ${snap.journal.seq}: `
            + `record${snap.journal.seq - lastSeq > 1 ? `s ${lastSeq + 1}-${snap.journal.seq} are` : ` ${snap.journal.seq} is`} missing (the journal was cut short, or replaced by an older copy)`);
        }
      }
      const first = records[0];
      if (first !== undefined && first.kind === 'checkpoint' && !hasHistory) {
        warnings.push(`the store's ${HISTORY_DIR}/ is missing: the rotated journal files before seq ${first.seq} (the audit trail) are gone. `
          + `The state is whole (${JOURNAL_FILE} starts with a checkpoint of it); restore ${HISTORY_DIR}/ from a backup to keep the record`);
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
        if (snap !== null && first !== undefined && first.kind === 'checkpoint' && snap.journal.seq < first.seq) {
          // A rotation that ended before the snapshot after it was written: the checkpoint is newer.
          warnings.push(`the store snapshot (journal seq ${snap.journal.seq}) is older than the journal's checkpoint (seq ${first.seq}), as a rotation interrupted before its snapshot leaves it: rebuilt from the checkpoint`);
        } else if (snap !== null) {
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
      try { journal?.close(); } catch { /* the refusal matters more than the handle */ }
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


/** The store id a journal file was written for: its first record is the genesis or a checkpoint. */
function storeIdOf(first: JournalRecord): string | null {
  if (first.kind !== 'genesis' && first.kind !== 'checkpoint') return null;
  const id = (first.data as { storeId?: unknown } | null)?.storeId;
  return typeof id === 'string' ? id : null;
}

/** What in the folder shows the store has recorded before (for the refusal's message), or null: a fresh folder. */
function recordedTraces(snap: Snapshot | null, hasSnapshotFile: boolean, hasHistory: boolean): string | null {
  const hist = `${HISTORY_DIR}/ holds rotated journal files`;
  if (snap !== null) {
    return `${SNAPSHOT_FILE} is a snapshot of store ${snap.state.storeId} at journal seq ${snap.journal.seq}${hasHistory ? ` and ${hist}` : ''}`;
  }
  if (hasSnapshotFile) return `${SNAPSHOT_FILE} is there (a snapshot of a store that recorded before)${hasHistory ? ` and ${hist}` : ''}`;
  if (hasHistory) return `${SNAPSHOT_FILE} is missing too, and ${hist} of a store that recorded before`;
  return null;
}

// ---------- parity state reset ----------

/**
 * What a store folder may hold (beside LOCK and earlier archives): the journal and its rotation
 * files, the snapshot, history/, the sim's (or an older version's) kill-switch latch, and the temp
 * files a crash can leave. Anything else means the folder is not a store folder: nothing is moved.
 */
const STORE_ENTRY = /^(?:journal\.jsonl|journal\.next\.jsonl|journal\.next\.abandoned-\d+\.jsonl|state\.json|history|kill-switch\.json|\.(?:state|kill-switch)\.json\.\d+\.tmp|\.write-probe-\d+)$/;
const KEEP_ENTRY = /^(?:LOCK(?:\.stale-\d+)?|archive-.+)$/;

export interface StoreResetOptions {
  /** The store folder (`storeDir(root, venue, account)`). */
  readonly dir: string;
  /** The names in a folder (the port cannot list one; the CLI passes readdirSync). */
  readonly list: (dir: string) => readonly string[];
  /** Move the files (true), or only say what would move. */
  readonly confirm: boolean;
  readonly fs?: FileSystem;
  /** Wall clock for the archive's name. */
  readonly now?: () => number;
}

export interface StoreResetResult {
  readonly dir: string;
  /** What is archived (or would be), by name in the folder, sorted. */
  readonly entries: readonly string[];
  /** `<dir>/archive-<ISO time>`: where they go. */
  readonly archive: string;
  /** Whether anything was moved. */
  readonly done: boolean;
}

/**
 * `parity state reset`: move a store's files into `<dir>/archive-<ISO time>/` (nothing is deleted), so
 * the next start begins a fresh store with a new store id. Takes the store's lock for the move, so it
 * refuses (StoreLockedError) while a live console holds the store, and no console starts in between.
 * The journal moves first: a reset cut short leaves a folder that refuses to start, and running it
 * again moves the rest. Folders (history/) move whole, which the real disk does (the in-memory one
 * does not rename folders).
 */
export function resetStore(opts: StoreResetOptions): StoreResetResult {
  const dir = resolve(opts.dir);
  const fs = opts.fs ?? nodeFileSystem;
  if (!fs.exists(dir)) throw new StoreError(`no store folder at ${dir}: nothing to reset (a store folder is <state-dir>/<venue>-<account>)`);
  const entries = (): string[] => {
    const names = opts.list(dir).filter((n) => !KEEP_ENTRY.test(n)).sort();
    const foreign = names.filter((n) => !STORE_ENTRY.test(n));
    if (foreign.length > 0) {
      throw new StoreError(`${dir} holds ${foreign.length === 1 ? 'an entry' : 'entries'} a store does not (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}): `
        + 'is it a store folder (<state-dir>/<venue>-<account>)? Nothing was moved');
    }
    return names;
  };
  const stamp = new Date((opts.now ?? Date.now)()).toISOString();
  const archiveName = (): string => {
    let name = join(dir, `archive-${stamp}`);
    for (let n = 2; fs.exists(name); n++) name = join(dir, `archive-${stamp}-${n}`);
    return name;
  };
  entries(); // a folder that is not a store's is refused before the lock file is written into it
  const lock = StoreLock.acquire(dir, 'localhost', fs);
  try {
    const names = entries();
    const archive = archiveName();
    if (!opts.confirm || names.length === 0) return { dir, entries: names, archive, done: false };
    fs.mkdir(archive, 0o700);
    const order = [...names.filter((n) => n === JOURNAL_FILE || n === NEXT_FILE), ...names.filter((n) => n !== JOURNAL_FILE && n !== NEXT_FILE)];
    for (const n of order) fs.rename(join(dir, n), join(archive, n));
    fs.syncDir(archive);
    fs.syncDir(dir);
    return { dir, entries: names, archive, done: true };
  } finally {
    lock.release();
  }
}
