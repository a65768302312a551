/**
 * Session folders: `<sessions-dir>/<UTC date>-<venue>-<strategy>-<short id>/`, mode 0700, in a
 * sessions folder that is 0700 too: the names carry session ids, the files the recordings, and other
 * local users may list neither.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface SessionFolder {
  readonly id: string;
  readonly dir: string;
  readonly name: string;
}

/** A 6-character id: short enough to type (`parity replay k3f9x2`), random enough not to collide. */
export function shortId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  const bytes = randomBytes(6);
  let s = '';
  for (const b of bytes) s += alphabet[b % 36];
  return s;
}

export function createSessionFolder(sessionsDir: string, venue: string, strategy: string, wallNow = new Date()): SessionFolder {
  const id = shortId();
  const date = wallNow.toISOString().slice(0, 10);
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  const name = `${date}-${safe(venue)}-${safe(strategy)}-${id}`;
  const root = resolve(sessionsDir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  closeToOthers(root);
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  closeToOthers(dir);
  return { id, dir, name };
}

/** Take group and other bits off a folder of ours (one that already existed, or a wide umask). */
function closeToOthers(dir: string): void {
  const st = statSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  if ((st.mode & 0o077) === 0 || (uid !== null && st.uid !== uid)) return;
  chmodSync(dir, st.mode & 0o700);
}
