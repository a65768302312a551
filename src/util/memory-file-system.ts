/**
 * A disk in memory behind the file-system port (src/ports/file-system.ts), for tests and, later, the
 * simulated world. It keeps what a real disk keeps apart: the bytes written (the page cache) and the
 * bytes synced (the platter), the folder entries made and the folder entries synced. `powerCut()`
 * throws away exactly what was not synced:
 *
 *   - a file's bytes written since its last datasync/sync are lost; when all that changed since then
 *     is bytes appended at the end, `keepUnsynced` may keep a prefix of them (the kernel had written
 *     back part of a line: the torn last line of a journal); any other change (an overwrite, a cut)
 *     goes back to the synced content whole;
 *   - a file created, renamed or removed since the last syncDir of its folder is undone (POSIX: the
 *     folder entry is only durable once the folder is synced); folders made by mkdir are durable.
 *
 * A crash of the process alone (kill -9) loses nothing written: that is no power cut, just stop using
 * the objects (Store.abandon()).
 *
 * util may import nothing else of src/, so this class has the port's shape without naming it.
 * Paths are POSIX; a relative path is taken from '/'.
 */
import { posix } from 'node:path';

type Mode = 'append' | 'write' | 'exclusive' | 'update';

function fsError(code: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

/** One file's content: written bytes, and the durable content (a prefix of them while only appends happened). */
class Inode {
  buf = new Uint8Array(0);
  size = 0;
  /** Bytes of `buf` that are durable, while `durableCopy` is null (only appends since the last sync). */
  durableLen = 0;
  /** The durable content, once a change touched it (overwrite, cut); null = the first durableLen bytes of buf. */
  durableCopy: Uint8Array | null = null;

  content(): Uint8Array {
    return this.buf.slice(0, this.size);
  }

  synced(): Uint8Array {
    return this.durableCopy !== null ? this.durableCopy.slice() : this.buf.slice(0, this.durableLen);
  }

  /** Bytes appended since the last sync, or null if something else changed too. */
  pending(): Uint8Array | null {
    return this.durableCopy === null ? this.buf.slice(this.durableLen, this.size) : null;
  }

  private touch(from: number): void {
    if (this.durableCopy === null && from < this.durableLen) this.durableCopy = this.buf.slice(0, this.durableLen);
  }

  private reserve(n: number): void {
    if (n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(n, this.buf.length * 2, 64));
    next.set(this.buf.subarray(0, this.size));
    this.buf = next;
  }

  write(at: number, bytes: Uint8Array): void {
    if (at < this.size) this.touch(at);
    const end = at + bytes.length;
    this.reserve(end);
    if (at > this.size) this.buf.fill(0, this.size, at);
    this.buf.set(bytes, at);
    this.size = Math.max(this.size, end);
  }

  truncate(n: number): void {
    if (n < this.size) this.touch(n);
    this.reserve(n);
    if (n > this.size) this.buf.fill(0, this.size, n);
    this.size = n;
  }

  sync(): void {
    this.durableCopy = null;
    this.durableLen = this.size;
  }

  /** After a power cut: the durable content, plus `keep` bytes of what was appended after it. */
  restore(keep: number): void {
    if (this.durableCopy !== null) {
      const d = this.durableCopy;
      this.buf = d.slice();
      this.size = d.length;
    } else {
      this.size = this.durableLen + Math.max(0, Math.min(keep, this.size - this.durableLen));
    }
    this.sync();
  }
}

type Entry = { readonly kind: 'dir' } | { readonly kind: 'file'; readonly inode: Inode };

export interface PowerCutOptions {
  /**
   * For a file whose only unsynced change is bytes appended at its end: how many of them the disk had
   * written back (0, the default, loses them all). Use it to leave a torn last line.
   */
  readonly keepUnsynced?: (path: string, pending: Uint8Array) => number;
}

export class MemoryFileHandle {
  private pos = 0;
  private closed = false;
  constructor(private readonly fs: MemoryFileSystem, private readonly inode: Inode, private readonly mode: Mode, private readonly path: string, private readonly epoch: number) {}

  private check(syscall: string): void {
    if (this.closed) throw fsError('EBADF', syscall, this.path);
    if (this.epoch !== this.fs.epoch) throw fsError('EBADF', `${syscall} (the handle was opened before a power cut)`, this.path);
  }

  write(data: Uint8Array | string): void {
    this.check('write');
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const at = this.mode === 'append' ? this.inode.size : this.pos;
    this.inode.write(at, bytes);
    this.pos = at + bytes.length;
    this.fs.stats.writes++;
  }

  datasync(): void {
    this.check('fdatasync');
    this.inode.sync();
    this.fs.stats.syncs++;
  }

  sync(): void {
    this.check('fsync');
    this.inode.sync();
    this.fs.stats.syncs++;
  }

  size(): number {
    this.check('fstat');
    return this.inode.size;
  }

  truncate(size: number): void {
    this.check('ftruncate');
    this.inode.truncate(size);
  }

  close(): void {
    if (this.closed) return;
    this.check('close');
    this.closed = true;
  }
}

export class MemoryFileSystem {
  /** Bumped by every power cut: handles from before it are dead. */
  epoch = 0;
  /** Counts, for tests that want to see the syncs happen. */
  readonly stats = { writes: 0, syncs: 0, dirSyncs: 0, powerCuts: 0 };
  /** The folder entries as the running system sees them. */
  private live = new Map<string, Entry>([['/', { kind: 'dir' }]]);
  /** The folder entries a power cut leaves. */
  private durable = new Map<string, Entry>([['/', { kind: 'dir' }]]);

  private norm(path: string): string {
    return posix.resolve('/', path);
  }

  private parentDir(p: string, syscall: string, path: string): void {
    const parent = this.live.get(posix.dirname(p));
    if (parent === undefined) throw fsError('ENOENT', syscall, path);
    if (parent.kind !== 'dir') throw fsError('ENOTDIR', syscall, path);
  }

  private file(path: string, syscall: string): Inode {
    const e = this.live.get(this.norm(path));
    if (e === undefined) throw fsError('ENOENT', syscall, path);
    if (e.kind !== 'file') throw fsError('EISDIR', syscall, path);
    return e.inode;
  }

  open(path: string, mode: Mode, _perm?: number): MemoryFileHandle {
    const p = this.norm(path);
    const e = this.live.get(p);
    if (e !== undefined && e.kind === 'dir') throw fsError('EISDIR', 'open', path);
    if (mode === 'exclusive' && e !== undefined) throw fsError('EEXIST', 'open', path);
    if (mode === 'update' && e === undefined) throw fsError('ENOENT', 'open', path);
    let inode: Inode;
    if (e === undefined) {
      this.parentDir(p, 'open', path);
      inode = new Inode();
      this.live.set(p, { kind: 'file', inode });
    } else {
      inode = e.inode;
      if (mode === 'write') inode.truncate(0);
    }
    return new MemoryFileHandle(this, inode, mode, path, this.epoch);
  }

  readFile(path: string): Uint8Array {
    return this.file(path, 'open').content();
  }

  readText(path: string): string {
    return new TextDecoder().decode(this.readFile(path));
  }

  exists(path: string): boolean {
    return this.live.has(this.norm(path));
  }

  mkdir(path: string, _perm?: number): void {
    const p = this.norm(path);
    const missing: string[] = [];
    for (let d = p; ; d = posix.dirname(d)) {
      const e = this.live.get(d);
      if (e !== undefined) {
        if (e.kind !== 'dir') throw fsError(d === p ? 'EEXIST' : 'ENOTDIR', 'mkdir', path);
        break;
      }
      missing.unshift(d);
    }
    for (const d of missing) {
      this.live.set(d, { kind: 'dir' });
      this.syncDir(posix.dirname(d)); // as the Node implementation: a folder made is durable
    }
  }

  rename(from: string, to: string): void {
    const a = this.norm(from);
    const b = this.norm(to);
    const e = this.live.get(a);
    if (e === undefined) throw fsError('ENOENT', 'rename', from);
    if (e.kind === 'dir') throw fsError('ENOTSUP', 'rename (folders are not supported here)', from);
    this.parentDir(b, 'rename', to);
    if (this.live.get(b)?.kind === 'dir') throw fsError('EISDIR', 'rename', to);
    if (a === b) return;
    this.live.delete(a);
    this.live.set(b, e);
  }

  unlink(path: string): void {
    const p = this.norm(path);
    const e = this.live.get(p);
    if (e === undefined) throw fsError('ENOENT', 'unlink', path);
    if (e.kind === 'dir') throw fsError('EISDIR', 'unlink', path);
    this.live.delete(p);
  }

  syncDir(path: string): void {
    const d = this.norm(path);
    if (this.live.get(d)?.kind !== 'dir') return; // best effort, as on a real disk
    this.stats.dirSyncs++;
    for (const p of new Set([...this.live.keys(), ...this.durable.keys()])) {
      if (p === '/' || posix.dirname(p) !== d) continue;
      const e = this.live.get(p);
      if (e === undefined) this.durable.delete(p);
      else this.durable.set(p, e);
    }
  }

  /**
   * Cut the power and boot again: every folder entry and every byte not synced is gone (see the file
   * comment), every open handle is dead. The running system should be thrown away with it.
   */
  powerCut(opts: PowerCutOptions = {}): void {
    this.stats.powerCuts++;
    this.epoch++;
    const next = new Map<string, Entry>();
    // Shortest paths first: an entry survives only if its folder did.
    for (const p of [...this.durable.keys()].sort((x, y) => x.length - y.length)) {
      if (p !== '/' && next.get(posix.dirname(p))?.kind !== 'dir') continue;
      next.set(p, this.durable.get(p)!);
    }
    this.durable = next;
    this.live = new Map(next);
    for (const [p, e] of next) {
      if (e.kind !== 'file') continue;
      const pending = e.inode.pending();
      const keep = pending !== null && pending.length > 0 && opts.keepUnsynced !== undefined ? opts.keepUnsynced(p, pending) : 0;
      e.inode.restore(keep);
    }
  }

  /** Every file as the running system sees it, sorted (debugging, assertions). */
  files(): string[] {
    return [...this.live].filter(([, e]) => e.kind === 'file').map(([p]) => p).sort();
  }

  /** What of a file is durable now (what a power cut would leave), or null if its entry would not survive. */
  durableContent(path: string): Uint8Array | null {
    const p = this.norm(path);
    const e = this.durable.get(p);
    if (e === undefined || e.kind !== 'file') return null;
    for (let d = posix.dirname(p); d !== '/'; d = posix.dirname(d)) if (this.durable.get(d)?.kind !== 'dir') return null;
    return e.inode.synced();
  }
}
