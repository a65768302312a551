/**
 * An in-memory terminal for tests and the benchmark: a stdout with columns / rows that counts the
 * bytes written (what an SSH link would carry), and a stdin that accepts keystrokes.
 */
import { EventEmitter } from 'node:events';

export class VirtualStdout extends EventEmitter {
  isTTY = true;
  bytes = 0;
  writes = 0;
  private last = '';
  constructor(public columns: number, public rows: number, private readonly keep = false) {
    super();
  }
  readonly frames: string[] = [];
  write(chunk: string | Uint8Array, cb?: () => void): boolean {
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    this.bytes += Buffer.byteLength(s);
    this.writes++;
    this.last = s;
    if (this.keep) this.frames.push(s);
    cb?.();
    return true;
  }
  lastWrite(): string {
    return this.last;
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
  // Ink probes these.
  cursorTo(): boolean { return true; }
  moveCursor(): boolean { return true; }
  clearLine(): boolean { return true; }
  getWindowSize(): [number, number] { return [this.columns, this.rows]; }
  hasColors(): boolean { return false; }
  end(): void {}
}

export class VirtualStdin extends EventEmitter {
  isTTY = true;
  private buf: string[] = [];
  setEncoding(): this { return this; }
  setRawMode(): this { return this; }
  resume(): this { return this; }
  pause(): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
  read(): string | null {
    return this.buf.shift() ?? null;
  }
  /** Type keys (raw bytes as a terminal sends them). */
  type(s: string): void {
    this.buf.push(s);
    this.emit('readable');
    this.emit('data', s);
  }
}
