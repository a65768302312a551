/**
 * One console per venue account: a lock file (`console.lock`) holding the owner's pid and start time.
 * A lock whose pid is dead, or whose pid now belongs to another program (pid reuse: the recorded
 * start time no longer matches), is stale and taken over. Kept behind the small `StateLock`
 * interface so the journal store's own lock (issue 3) can replace it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LockOwner {
  readonly pid: number;
  /** Process start, epoch ms (wall). */
  readonly startedAt: number;
  readonly host: string;
  readonly session?: string;
}

export type LockResult = { readonly ok: true } | { readonly ok: false; readonly owner: LockOwner; readonly path: string };

export interface StateLock {
  acquire(): LockResult;
  release(): void;
  readonly path: string;
}

export function processStartedAt(): number {
  return Math.round(Date.now() - process.uptime() * 1000);
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux: the process's start time from /proc, to tell a live owner from a reused pid. */
export function procStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    if (!Number.isFinite(ticks) || !Number.isFinite(uptime)) return null;
    return Date.now() - (uptime - ticks / 100) * 1000;
  } catch {
    return null;
  }
}

export function ownerAlive(o: LockOwner): boolean {
  if (!pidAlive(o.pid)) return false;
  const started = procStartMs(o.pid);
  // Within 5 s: clock tick rounding. Further apart: the pid was reused by another process.
  return started === null || Math.abs(started - o.startedAt) < 5000;
}

export class FileStateLock implements StateLock {
  readonly path: string;
  private held = false;
  constructor(dir: string, private readonly session?: string) {
    this.path = join(dir, 'console.lock');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  acquire(): LockResult {
    if (existsSync(this.path)) {
      try {
        const owner = JSON.parse(readFileSync(this.path, 'utf8')) as LockOwner;
        if (owner.pid !== process.pid && ownerAlive(owner)) return { ok: false, owner, path: this.path };
      } catch {
        // unreadable lock: stale, take it over
      }
    }
    const me: LockOwner = { pid: process.pid, startedAt: processStartedAt(), host: process.env['HOSTNAME'] ?? '', ...(this.session ? { session: this.session } : {}) };
    writeFileSync(this.path, `${JSON.stringify(me)}\n`, { mode: 0o600 });
    this.held = true;
    return { ok: true };
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      const owner = JSON.parse(readFileSync(this.path, 'utf8')) as LockOwner;
      if (owner.pid === process.pid) rmSync(this.path, { force: true });
    } catch {
      // already gone
    }
  }
}
