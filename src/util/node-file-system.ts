/**
 * The real disk behind the file-system port (src/ports/file-system.ts): node:fs, synchronous.
 *
 * util may import nothing else of src/ (the layer table), so this class does not name the port's
 * interface; it has its shape, and every service that takes a FileSystem defaults to it, which is
 * where the compiler checks the fit.
 */
import {
  closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync,
  unlinkSync, writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';

type Mode = 'append' | 'write' | 'exclusive' | 'update';

const FLAGS: Readonly<Record<Mode, string>> = { append: 'a', write: 'w', exclusive: 'wx', update: 'r+' };

export class NodeFileHandle {
  private closed = false;
  constructor(private readonly fd: number) {}

  write(data: Uint8Array | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
  }

  datasync(): void {
    fdatasyncSync(this.fd);
  }

  sync(): void {
    fsyncSync(this.fd);
  }

  size(): number {
    return fstatSync(this.fd).size;
  }

  truncate(size: number): void {
    ftruncateSync(this.fd, size);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

export class NodeFileSystem {
  open(path: string, mode: Mode, perm?: number): NodeFileHandle {
    return new NodeFileHandle(perm === undefined ? openSync(path, FLAGS[mode]) : openSync(path, FLAGS[mode], perm));
  }

  readFile(path: string): Uint8Array {
    return readFileSync(path);
  }

  readText(path: string): string {
    return readFileSync(path, 'utf8');
  }

  exists(path: string): boolean {
    return existsSync(path);
  }

  mkdir(path: string, perm?: number): void {
    const first = mkdirSync(path, perm === undefined ? { recursive: true } : { recursive: true, mode: perm });
    if (first === undefined) return; // it was there already
    // Each folder made is an entry in its parent: sync the parents, top down, so the folders survive a power cut.
    const top = resolve(first);
    const made: string[] = [];
    for (let d = resolve(path); ; d = dirname(d)) {
      made.unshift(d);
      if (d === top || dirname(d) === d) break;
    }
    for (const d of made) this.syncDir(dirname(d));
  }

  rename(from: string, to: string): void {
    renameSync(from, to);
  }

  unlink(path: string): void {
    unlinkSync(path);
  }

  syncDir(path: string): void {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      fsyncSync(fd);
    } catch {
      // Some file systems refuse fsync on a folder; the rename itself is still atomic there.
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

/** The one instance every service defaults to. */
export const nodeFileSystem = new NodeFileSystem();
