/**
 * A file as lines of bytes, read in chunks into one reusable Buffer: memory stays at the chunk
 * size (plus the longest line) however long the file is, and no text is ever decoded for a line
 * the reader does not need to show.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError } from './errors.ts';

/** Where bytes come from: a file, or bytes already in memory (tests, text given as a string). */
export interface ByteSource {
  /** Bytes read into `into[offset, offset + length)`; 0 at the end. */
  read(into: Buffer, offset: number, length: number): number;
  close(): void;
  /** Total size in bytes (progress estimates). */
  readonly size: number;
}

/** The file's bytes in chunks; the usual file problems become DataErrors naming the file. */
export function fileBytes(path: string): ByteSource {
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (st.isDirectory()) { closeSync(fd); throw Object.assign(new Error('is a directory'), { code: 'EISDIR' }); }
    size = st.size;
  } catch (err) {
    throw fileError(path, err);
  }
  let closed = false;
  return {
    size,
    read(into, offset, length) {
      try {
        return readSync(fd, into, offset, length, null);
      } catch (err) {
        throw fileError(path, err);
      }
    },
    close() {
      if (!closed) { closed = true; closeSync(fd); }
    },
  };
}

export function fileError(path: string, err: unknown): DataError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DataError(path, 0, 'no such file');
  if (code === 'EISDIR') return new DataError(path, 0, 'is a directory, not a bar file');
  if (code === 'EACCES') return new DataError(path, 0, 'permission denied: check the file is readable');
  return new DataError(path, 0, err instanceof Error ? err.message : String(err));
}

export function memoryBytes(data: Uint8Array | string): ByteSource {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let at = 0;
  return {
    size: bytes.length,
    read(into, offset, length) {
      const n = Math.min(length, bytes.length - at);
      into.set(bytes.subarray(at, at + n), offset);
      at += n;
      return n;
    },
    close() { /* nothing held */ },
  };
}

const CHUNK = 1 << 20;

export class LineReader {
  buf: Buffer;
  /** The current line is buf[start, end), without its '\n'. */
  start = 0;
  end = 0;
  /** 1-based number of the current line. */
  line = 0;
  private len = 0;
  private pos = 0;
  private nl = -1;
  private eof = false;
  private readonly src: ByteSource;
  /** Bytes consumed before the buffer's start (progress). */
  private base = 0;

  constructor(src: ByteSource, chunk = CHUNK) {
    this.src = src;
    this.buf = Buffer.allocUnsafe(Math.max(16, chunk));
    this.fill();
    // A UTF-8 byte order mark is not part of the header.
    if (this.len >= 3 && this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) this.pos = 3;
  }

  /**
   * For a reader that walks lines itself: the next unread byte, and `lastNl`, the last '\n' in
   * the buffer (-1 for none). Every line starting at or before `lastNl` ends in the buffer; a
   * reader parses those in place, then says how far it got with `skipTo`, and calls `next` for a
   * line it does not parse itself (which also reads the next chunk when the buffer runs out).
   */
  get cursor(): number {
    return this.pos;
  }

  get lastNl(): number {
    return this.nl;
  }

  /** The caller walked `lines` complete lines itself, up to `pos` (just past a '\n'). */
  skipTo(pos: number, lines: number): void {
    this.pos = pos;
    this.line += lines;
  }

  /** Moves to the next line; false at the end of the file. */
  next(): boolean {
    for (;;) {
      const len = this.len;
      if (this.pos < len) {
        const nl = this.buf.indexOf(10, this.pos);
        if (nl >= 0 && nl < len) {
          this.start = this.pos;
          this.end = nl;
          this.pos = nl + 1;
          this.line++;
          return true;
        }
      }
      if (this.eof) {
        if (this.pos < len) {
          this.start = this.pos;
          this.end = len;
          this.pos = len;
          this.line++;
          return true;
        }
        return false;
      }
      this.fill();
    }
  }

  /** The source's size in bytes. */
  get size(): number {
    return this.src.size;
  }

  /** Bytes read so far from the source (an estimate of progress through the file). */
  get consumed(): number {
    return this.base + this.pos;
  }

  close(): void {
    this.src.close();
  }

  /** Keeps the unread tail, reads more after it; doubles the buffer for a line longer than it. */
  private fill(): void {
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.len);
      this.len -= this.pos;
      this.base += this.pos;
      this.pos = 0;
    }
    if (this.len === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    const n = this.src.read(this.buf, this.len, this.buf.length - this.len);
    if (n === 0) this.eof = true;
    else this.len += n;
    this.nl = this.len === 0 ? -1 : this.buf.lastIndexOf(10, this.len - 1);
  }
}
