/**
 * Incremental rendering that is correct: Ink 6.8's own `incrementalRendering` moves the cursor one
 * row short after a frame that ends in a newline, so every frame lands one row lower and the screen
 * scrolls (checked against a virtual terminal). Ink's standard renderer is correct but rewrites the
 * whole frame each time (~5 KB a frame at 120x40: flicker and bandwidth over SSH).
 *
 * This stream sits between Ink's standard renderer and the terminal: it recognises Ink's
 * "erase the previous N lines, write the frame" write, and replaces it with a rewrite of only the
 * lines that changed, leaving the cursor exactly where Ink expects it (the row below the frame).
 * Anything else it does not recognise passes through unchanged.
 */
import { EventEmitter } from 'node:events';

// eraseLines(n) from ansi-escapes: n x ESC[2K, separated by ESC[1A, then ESC[G.
const ERASE_RE = /^((?:\x1b\[2K\x1b\[1A)*)\x1b\[2K\x1b\[G/;

export interface TerminalLike {
  readonly columns?: number;
  readonly rows?: number;
  readonly isTTY?: boolean;
  write(s: string): boolean;
  on(ev: 'resize', fn: () => void): unknown;
  off(ev: 'resize', fn: () => void): unknown;
}

export class LineDiffStdout extends EventEmitter {
  private prev: string[] | null = null;
  private readonly onResize = () => {
    this.prev = null; // the terminal reflowed: the next frame is written whole
    this.emit('resize');
  };

  constructor(private readonly out: TerminalLike) {
    super();
    out.on('resize', this.onResize);
  }

  get columns(): number { return this.out.columns ?? 80; }
  get rows(): number { return this.out.rows ?? 24; }
  get isTTY(): boolean { return this.out.isTTY === true; }

  detach(): void {
    this.out.off('resize', this.onResize);
  }

  write(chunk: string | Uint8Array, cb?: (() => void) | string, cb2?: () => void): boolean {
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const done = typeof cb === 'function' ? cb : cb2;
    const r = this.out.write(this.transform(s));
    done?.();
    return r;
  }

  /** Exposed for tests. */
  transform(s: string): string {
    const m = ERASE_RE.exec(s);
    if (m === null) {
      // A whole first frame (nothing to erase) or some control sequence.
      if (s.endsWith('\n') && !s.startsWith('\x1b')) this.prev = s.slice(0, -1).split('\n');
      return s;
    }
    const erased = m[1]!.length / 8 + 1; // each "ESC[2K ESC[1A" is 8 characters
    const body = s.slice(m[0].length);
    if (body === '' || !body.endsWith('\n')) { this.prev = null; return s; }
    const lines = body.slice(0, -1).split('\n');
    const prev = this.prev;
    this.prev = lines;
    // Only diff when the erase covers exactly our last frame (plus the row below it) and the height
    // did not change; otherwise let Ink's full rewrite through.
    if (prev === null || erased !== prev.length + 1 || prev.length !== lines.length) return s;
    let out = `\x1b[${lines.length}A\r`;
    let skip = 0;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === prev[i]) { skip++; continue; }
      if (skip > 0) { out += `\x1b[${skip}E`; skip = 0; }
      out += `\x1b[2K${lines[i]}\x1b[1E`;
    }
    if (skip > 0) out += `\x1b[${skip}E`;
    return out;
  }
}
