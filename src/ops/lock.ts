/**
 * One console per venue account folder. The lock itself is the journal store's (journal/lock.ts);
 * this module adapts it to the small `StateLock` interface the gates use, and keeps the pid checks
 * the control-socket registry needs.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { LOCK_FILE, StoreLock, pidAlive, processStartTime } from '../journal/lock.ts';
import { StoreLockedError } from '../journal/errors.ts';
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

/** Linux: the process's start time (epoch ms) from /proc, to tell a live owner from a reused pid. */
export function procStartMs(pid: number): number | null {
  const ticks = Number(processStartTime(pid) ?? Number.NaN);
  try {
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

/**
 * The account folder's single-writer lock, on the journal store's lock file and rules (O_EXCL
 * create, stale owners recognised by pid and process start time), so a sim session and an Alpaca
 * session guard their folders the same way.
 */
export class FileStateLock implements StateLock {
  readonly path: string;
  private held: StoreLock | null = null;
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, LOCK_FILE);
  }

  acquire(): LockResult {
    if (this.held !== null) return { ok: true };
    try {
      this.held = StoreLock.acquire(this.dir, process.env['HOSTNAME'] ?? 'localhost');
      return { ok: true };
    } catch (err) {
      if (!(err instanceof StoreLockedError)) throw err;
      const since = Date.parse(err.since);
      return { ok: false, owner: { pid: err.pid, startedAt: Number.isNaN(since) ? 0 : since, host: '' }, path: this.path };
    }
  }

  release(): void {
    this.held?.release();
    this.held = null;
  }
}

/**
 * For sessions whose durable store already holds the folder's lock (Alpaca, parity venue): opening
 * the store refused a second writer before the engine started, so the gate's check is settled.
 */
export function lockHeldByStore(dir: string): StateLock {
  return { path: join(dir, LOCK_FILE), acquire: () => ({ ok: true }), release: () => {} };
}
