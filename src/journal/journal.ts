/**
 * The append-only journal: one JSON record per line, {seq, ts, kind, data, prevHash, hash}.
 *
 * - An order intent is appended and fdatasync'ed before the order leaves the process: that append is
 *   the durable record (a few hundred bytes, O(1) whatever the size of the store).
 * - Each record carries the hash of the one before it (sha256 over seq, ts, kind, data and prevHash),
 *   so an edited, removed or spliced record breaks the chain and is named on open.
 * - A torn last line (power cut, kill -9 in the middle of a write) is skipped with a warning and cut
 *   off, so the next append starts on a clean line; nothing before it is lost. A bad line anywhere
 *   else is corruption, not a torn write, and refuses to open.
 * - Rotation starts a new file whose first record (`checkpoint`) holds the whole coalesced state and
 *   chains to the last record of the old file; the old file moves to `history/`. So the current file
 *   alone rebuilds the state, and it stays small after months.
 *
 * Every file operation goes through the file-system port (`fs`, the real disk by default), so a test
 * can run the journal on a MemoryFileSystem and cut its power.
 */
import { secrets } from '../util/secrets.ts';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { FileHandle, FileSystem } from '../ports/file-system.ts';
import { nodeFileSystem } from '../util/node-file-system.ts';
import { JournalCorruptError, JournalTamperedError } from './errors.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface JournalRecord<D = unknown> {
  readonly seq: number;
  /** Wall-clock epoch ms when the record was written (freshness of intents after a crash). */
  readonly ts: number;
  readonly kind: string;
  readonly data: D;
  readonly prevHash: string;
  readonly hash: string;
}

const RecordSchema = z.strictObject({
  seq: z.number().int().positive(),
  ts: z.number(),
  kind: z.string().min(1),
  data: z.unknown(),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

export function hashRecord(seq: number, ts: number, kind: string, dataJson: string, prevHash: string): string {
  return createHash('sha256').update(`${seq}\n${ts}\n${kind}\n${dataJson}\n${prevHash}`).digest('hex');
}

export interface JournalReadResult {
  readonly records: JournalRecord[];
  /** Human-readable warnings (a torn last line that was cut off). */
  readonly warnings: string[];
}

/**
 * Read and verify a journal file. `expectPrev` is the hash the first record must chain to (the last
 * hash of the file before it, or GENESIS_HASH); null = do not check the first link (the previous file
 * was rotated away). A torn last line is cut off the file when `repair` is set.
 */
export function readJournal(file: string, expectPrev: string | null, repair: boolean, fs: FileSystem = nodeFileSystem): JournalReadResult {
  const warnings: string[] = [];
  if (!fs.exists(file)) return { records: [], warnings };
  const bytes = fs.readFile(file);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: JournalRecord[] = [];
  let prev = expectPrev;
  let lastSeq: number | null = null;
  let start = 0;
  let lineNo = 0;
  let goodEnd = 0;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    const complete = end !== -1;
    if (!complete) end = buf.length;
    lineNo++;
    const text = buf.subarray(start, end).toString('utf8');
    const isLast = !complete || end + 1 >= buf.length;
    let parsed: z.infer<typeof RecordSchema> | null = null;
    let why = '';
    try {
      const r = RecordSchema.safeParse(JSON.parse(text));
      if (r.success) parsed = r.data;
      else why = r.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ');
    } catch (err) {
      why = err instanceof Error ? err.message : String(err);
    }
    if (parsed === null) {
      if (isLast) {
        warnings.push(`journal ${file}: the last line (${lineNo}) is torn (${text.length} bytes, ${why}); it was skipped, every record before it is intact`);
        if (repair) cutAt(file, goodEnd, fs);
        break;
      }
      throw new JournalCorruptError(file, lineNo, why);
    }
    const dataJson = JSON.stringify(parsed.data);
    const want = hashRecord(parsed.seq, parsed.ts, parsed.kind, dataJson, parsed.prevHash);
    if (want !== parsed.hash) throw new JournalTamperedError(file, lineNo, parsed.seq, 'its hash does not match its content');
    if (prev !== null && parsed.prevHash !== prev) {
      throw new JournalTamperedError(file, lineNo, parsed.seq, 'it does not chain to the record before it (a record was removed, inserted or reordered)');
    }
    if (lastSeq !== null && parsed.seq !== lastSeq + 1) {
      throw new JournalTamperedError(file, lineNo, parsed.seq, `sequence jumps from ${lastSeq} to ${parsed.seq}`);
    }
    records.push(parsed as JournalRecord);
    prev = parsed.hash;
    lastSeq = parsed.seq;
    goodEnd = complete ? end + 1 : end;
    if (!complete && repair) {
      // A complete, verified record whose newline did not make it: keep it, finish the line.
      appendRaw(file, '\n', fs);
      goodEnd++;
    }
    start = end + 1;
  }
  return { records, warnings };
}

function cutAt(file: string, size: number, fs: FileSystem): void {
  const h = fs.open(file, 'update');
  try {
    h.truncate(size);
    h.datasync();
  } finally {
    h.close();
  }
}

function appendRaw(file: string, text: string, fs: FileSystem): void {
  const h = fs.open(file, 'append');
  try {
    h.write(text);
    h.datasync();
  } finally {
    h.close();
  }
}

export interface JournalOptions {
  readonly dir: string;
  /** Wall clock for record timestamps (tests pass their own). */
  readonly wallNow?: () => number;
  /** The disk (default: the real one, node:fs). */
  readonly fs?: FileSystem;
}

export interface OpenedJournal {
  readonly journal: Journal;
  readonly records: JournalRecord[];
  readonly warnings: string[];
}

export const JOURNAL_FILE = 'journal.jsonl';
/** The file a rotation writes first; open() finishes a rotation it finds half done. */
export const NEXT_FILE = 'journal.next.jsonl';
/** Where rotated journal files go, named by their seq range. */
export const HISTORY_DIR = 'history';

/** The writer. One per store, guarded by the store's lock. */
export class Journal {
  private fd: FileHandle;
  private seq: number;
  private prev: string;
  private readonly wallNow: () => number;
  private bytes: number;

  private constructor(private readonly dir: string, private readonly fs: FileSystem, fd: FileHandle, lastSeq: number, lastHash: string, bytes: number, wallNow: () => number) {
    this.fd = fd;
    this.seq = lastSeq;
    this.prev = lastHash;
    this.bytes = bytes;
    this.wallNow = wallNow;
  }

  get path(): string {
    return join(this.dir, JOURNAL_FILE);
  }

  /** Open (creating) the journal in `dir`, finish an interrupted rotation, verify and read it back. */
  static open(opts: JournalOptions): OpenedJournal {
    const dir = opts.dir;
    const fs = opts.fs ?? nodeFileSystem;
    fs.mkdir(dir, 0o700);
    const file = join(dir, JOURNAL_FILE);
    const next = join(dir, NEXT_FILE);
    if (fs.exists(next)) finishRotation(dir, fs);
    const existed = fs.exists(file);
    const { records, warnings } = readJournal(file, null, true, fs);
    // The first record of a rotated file chains to the previous file; the genesis file starts at zero.
    const first = records[0];
    if (first !== undefined && first.kind !== 'checkpoint' && first.prevHash !== GENESIS_HASH) {
      throw new JournalTamperedError(file, 1, first.seq, 'the file does not start with a checkpoint or the genesis record (records before it were removed)');
    }
    const last = records[records.length - 1];
    const fd = fs.open(file, 'append', 0o600);
    // A new journal's name in the folder must be durable too, or a power cut takes the file, fsynced
    // intents and all (POSIX: an entry is durable once its folder is synced).
    if (!existed) fs.syncDir(dir);
    const bytes = fd.size();
    const j = new Journal(dir, fs, fd, last?.seq ?? 0, last?.hash ?? GENESIS_HASH, bytes, opts.wallNow ?? Date.now);
    return { journal: j, records, warnings };
  }

  lastSeq(): number {
    return this.seq;
  }

  lastHash(): string {
    return this.prev;
  }

  sizeBytes(): number {
    return this.bytes;
  }

  /**
   * Append one record. `sync` = fdatasync before returning (order intents: the durable record).
   * Without it the record is in the OS page cache: it survives a crash of this process, not a power cut.
   */
  append<D>(kind: string, data: D, sync: boolean): JournalRecord<D> {
    const seq = this.seq + 1;
    const ts = this.wallNow();
    // Scrubbed before it is hashed: the chain covers exactly what is on disk, and no secret is.
    const dataJson = secrets.scrub(JSON.stringify(data));
    const hash = hashRecord(seq, ts, kind, dataJson, this.prev);
    const line = `{"seq":${seq},"ts":${ts},"kind":${JSON.stringify(kind)},"data":${dataJson},"prevHash":"${this.prev}","hash":"${hash}"}\n`;
    const buf = Buffer.from(line);
    this.fd.write(buf);
    if (sync) this.fd.datasync();
    const rec: JournalRecord<D> = { seq, ts, kind, data, prevHash: this.prev, hash };
    this.seq = seq;
    this.prev = hash;
    this.bytes += buf.length;
    return rec;
  }

  /** Make everything appended so far durable (clean stop, before a snapshot). */
  sync(): void {
    this.fd.datasync();
  }

  /**
   * Start a new file whose first record is a checkpoint of the whole state; the old file goes to
   * history/. Crash-safe: the new file is complete and synced before the old one moves, and open()
   * finishes a rotation that was interrupted between the two renames.
   */
  rotate(checkpoint: unknown): JournalRecord {
    this.sync();
    const nextPath = join(this.dir, NEXT_FILE);
    const seq = this.seq + 1;
    const ts = this.wallNow();
    const dataJson = JSON.stringify(checkpoint);
    const hash = hashRecord(seq, ts, 'checkpoint', dataJson, this.prev);
    const line = `{"seq":${seq},"ts":${ts},"kind":"checkpoint","data":${dataJson},"prevHash":"${this.prev}","hash":"${hash}"}\n`;
    const fd = this.fs.open(nextPath, 'write', 0o600);
    try {
      fd.write(line);
      fd.datasync();
    } finally {
      fd.close();
    }
    this.fd.close();
    finishRotation(this.dir, this.fs);
    this.fd = this.fs.open(join(this.dir, JOURNAL_FILE), 'append', 0o600);
    this.bytes = Buffer.byteLength(line);
    const rec: JournalRecord = { seq, ts, kind: 'checkpoint', data: checkpoint, prevHash: this.prev, hash };
    this.seq = seq;
    this.prev = hash;
    return rec;
  }

  close(): void {
    try {
      this.fd.datasync();
    } finally {
      this.fd.close();
    }
  }
}

/** Move journal.jsonl to history/ (named by its seq range) and journal.next.jsonl into its place. */
function finishRotation(dir: string, fs: FileSystem): void {
  const file = join(dir, JOURNAL_FILE);
  const next = join(dir, NEXT_FILE);
  if (fs.exists(file)) {
    const { records } = readJournal(file, null, true, fs);
    const nextRecs = readJournal(next, null, false, fs).records;
    const chk = nextRecs[0];
    const last = records[records.length - 1];
    // journal.next is only valid if its checkpoint chains to the last record of the current file.
    if (chk === undefined || (last !== undefined && chk.prevHash !== last.hash)) {
      fs.rename(next, join(dir, `journal.next.abandoned-${Date.now()}.jsonl`));
      return;
    }
    const hist = join(dir, HISTORY_DIR);
    fs.mkdir(hist, 0o700);
    const from = records[0]?.seq ?? 0;
    const to = last?.seq ?? 0;
    fs.rename(file, join(hist, `journal-${String(from).padStart(10, '0')}-${String(to).padStart(10, '0')}.jsonl`));
    fs.syncDir(hist);
  }
  fs.rename(next, file);
  fs.syncDir(dir);
}
