/**
 * Every timer, retry, timeout and periodic check of the core and its services runs on the
 * Scheduler port (src/ports/scheduler.ts), so a whole session can run in a simulated world whose
 * clock a test drives. A bare setTimeout / setInterval there fails this test; a line that must keep
 * one says why with a `timer-ok:` comment.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');
/** The core and the services on its boundary. Adapters, the console and the CLI live at the edges. */
const GUARDED = ['domain', 'ports', 'orders', 'portfolio', 'risk', 'engine', 'journal', 'recording', 'ops'];
/** The control socket's client half runs inside `parity ctl`, a separate short-lived process. */
const EXEMPT_FILES = new Set(['ports/scheduler.ts', 'ops/control-socket.ts']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

describe('timers go through the scheduler', () => {
  it('no bare setTimeout / setInterval in the core or its services', () => {
    const bad: string[] = [];
    for (const folder of GUARDED) {
      for (const f of files(join(SRC, folder))) {
        const rel = relative(SRC, f);
        if (EXEMPT_FILES.has(rel)) continue;
        readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          if (/\bset(Timeout|Interval)\s*\(/.test(code) && !line.includes('timer-ok:')) bad.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(bad).toEqual([]);
  });
});
