/**
 * Where recorded lines go. The recorder batches lines in memory (as UTF-8 bytes) and hands a sink
 * one chunk per batch, so the file sees one write call per batch instead of one per event.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

export interface RecordSink {
  /**
   * One batch of complete lines (each ends with "\n"), as UTF-8 bytes or text. The bytes are the
   * recorder's own buffer, reused once this returns: a sink that keeps them must copy.
   */
  write(chunk: string | Uint8Array): void;
  /** Make everything written durable and release the file. */
  close(): void;
}

/**
 * Appends batches to a file with a single synchronous write each. Synchronous on purpose: batches
 * reach the kernel in order, and once `write` returns a process crash cannot lose that batch (only a
 * machine crash can lose what the OS has not written back; `close` fsyncs).
 */
export class FileSink implements RecordSink {
  private fd: number | null;
  constructor(readonly path: string) {
    // 'wx': a recording is never overwritten; 0o600: it holds account details.
    this.fd = openSync(path, 'wx', 0o600);
  }
  write(chunk: string | Uint8Array): void {
    if (this.fd === null) throw new Error(`recording ${this.path} is closed`);
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
  }
  close(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** Keeps lines in memory (tests, benchmarks). */
export class MemorySink implements RecordSink {
  readonly batches: string[] = [];
  closed = false;
  write(chunk: string | Uint8Array): void {
    this.batches.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  }
  close(): void {
    this.closed = true;
  }
  text(): string {
    return this.batches.join('');
  }
}

/** Discards everything (a re-run only needs the decisions, which arrive through a callback). */
export class NullSink implements RecordSink {
  write(): void {}
  close(): void {}
}
