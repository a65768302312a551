/** Session folders: `<sessions-dir>/<UTC date>-<venue>-<strategy>-<short id>/`. */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
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
  const dir = resolve(join(sessionsDir, name));
  mkdirSync(dir, { recursive: true });
  return { id, dir, name };
}
