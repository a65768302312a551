/**
 * Secrets never reach a recording. Two nets:
 * 1. the header's config is walked and any value under a secret-looking key (key, secret, token,
 *    password, passphrase, credential, auth, signature, private) or any string that looks like key
 *    material (long, mixed letters and digits, no spaces) is replaced by "[REDACTED]";
 * 2. every non-market line is scrubbed of the values of secret-looking environment variables (an
 *    adapter's error message that echoes a key, a log line with a token): the exact strings are
 *    replaced wherever they appear. Market lines are numbers and symbols and skip this (hot path).
 */
export { REDACTED } from '../util/secrets.ts';
import { REDACTED } from '../util/secrets.ts';

const SECRET_KEY = /(key|secret|token|passw(or)?d|passphrase|credential|auth|signature|private|cookie|session_?id|bearer)/i;
/** Keys that match the pattern above but name something harmless. */
const HARMLESS_KEY = /^(keys?|sessionsDir|sortKey)$/;

/** A string that looks like key material rather than a word, a path or a symbol. */
export function looksSecret(s: string): boolean {
  if (s.length < 20 || /\s/.test(s) || s.includes('/') || s.includes('.')) return false;
  if (!/^[A-Za-z0-9+=_-]+$/.test(s)) return false;
  const digits = (s.match(/[0-9]/g) ?? []).length;
  const letters = (s.match(/[A-Za-z]/g) ?? []).length;
  return digits >= 3 && letters >= 6;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !HARMLESS_KEY.test(key);
}

/** A deep copy of `value` with secrets replaced. */
export function redact(value: unknown, key = ''): unknown {
  if (key !== '' && isSecretKey(key) && value !== null && value !== undefined && typeof value !== 'boolean') return REDACTED;
  if (typeof value === 'string') return looksSecret(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, k);
    return out;
  }
  return value;
}

/** Values of environment variables whose names look secret (APCA_API_SECRET_KEY, OKX_PASSPHRASE...). */
export function secretValuesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || v.length < 6) continue; // too short to scrub without mangling ordinary text
    if (isSecretKey(k)) out.add(v);
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...out].sort((a, b) => b.length - a.length);
}

/** The one scrubbing function (util/secrets.ts), re-exported where the recording has always found it. */
export { scrub } from '../util/secrets.ts';
