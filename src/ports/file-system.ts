/**
 * The file system as the durable parts of parity use it: the journal (append, fdatasync, truncate to
 * repair a torn line, rotate by rename), the store's snapshot and the kill-switch latch (write a temp
 * file, fsync, rename, fsync the folder) and the store lock (exclusive create). Nothing in those
 * modules calls node:fs itself; they take a FileSystem, so the whole system can later run inside a
 * simulated world whose disk a test can power-cut (MemoryFileSystem drops exactly what was written
 * and not yet synced), and the real one is one implementation among two (NodeFileSystem).
 *
 * Synchronous on purpose: an order intent must be on disk before the order leaves the process, and
 * the engine's send path does not await.
 *
 * Errors carry Node's `code` ('ENOENT', 'EEXIST', 'EISDIR', ...), whatever the implementation, so a
 * caller tells "no such file" from "already exists" the same way on every disk (`errorCode(err)`).
 *
 * Durability, as the implementations keep it:
 *   - bytes written are durable once `datasync()` / `sync()` on their handle returned;
 *   - a file created, renamed or removed is durable in its folder once `syncDir(folder)` returned;
 *   - a folder made by `mkdir` is durable when `mkdir` returns (its parent is synced).
 * Anything else may be lost, or half kept, by a power cut; a crash of the process alone loses nothing
 * that was written.
 */

/** How a file is opened. */
export type OpenMode =
  /** Create if missing; every write goes to the end (O_APPEND). The journal. */
  | 'append'
  /** Create, or cut an existing file to nothing (O_TRUNC). A temp file, a rotated journal's first record. */
  | 'write'
  /** Create; fail with EEXIST if the path exists (O_EXCL). The store lock. */
  | 'exclusive'
  /** An existing file, written in place from the start (r+). Cutting a torn journal line. */
  | 'update';

export interface FileHandle {
  /** Write all of `data` (at the end in 'append' mode, else at the handle's position, which moves). */
  write(data: Uint8Array | string): void;
  /** fdatasync: the bytes written (and the size) are durable when it returns. */
  datasync(): void;
  /** fsync: as datasync, and the file's metadata too. */
  sync(): void;
  /** The file's size in bytes now (written, not necessarily synced). */
  size(): number;
  /** Cut (or zero-extend) the file to `size` bytes. */
  truncate(size: number): void;
  close(): void;
}

export interface FileSystem {
  /** Open a file. `perm` is the mode of a file it creates (e.g. 0o600); the implementation's default otherwise. */
  open(path: string, mode: OpenMode, perm?: number): FileHandle;
  /** The whole file. ENOENT if it does not exist. */
  readFile(path: string): Uint8Array;
  /** The whole file as UTF-8 text. ENOENT if it does not exist. */
  readText(path: string): string;
  /** Does a file or folder exist at `path`? */
  exists(path: string): boolean;
  /** Make a folder and any missing parents (no error if it exists). Durable when it returns. */
  mkdir(path: string, perm?: number): void;
  /** Atomically move `from` to `to`, replacing a file at `to`. ENOENT if `from` is missing. */
  rename(from: string, to: string): void;
  /** Remove a file. ENOENT if it is missing. */
  unlink(path: string): void;
  /**
   * fsync a folder, so the files created, renamed or removed in it stay so after a power cut. Best
   * effort: a file system that refuses fsync on a folder is ignored (the rename is atomic there anyway).
   */
  syncDir(path: string): void;
}

/** The `code` of a file-system error ('ENOENT', 'EEXIST', ...), or undefined for anything else. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
