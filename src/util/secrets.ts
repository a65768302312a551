/**
 * The one scrubbing function every sink calls: the journal, the store's snapshot, the recording,
 * stdout / stderr (the screen and headless lines alike, through `guardStream`) and error messages.
 * It is fed with the value of every secret the process holds: secret-looking environment variables
 * at start, and whatever a venue's settings resolve (keys read from `.env` are not in the
 * environment). A venue error that echoes a key is then caught wherever it would be written.
 */
export const REDACTED = '[REDACTED]';

/** Shorter values are not scrubbed: they would mangle ordinary text and are not key material. */
const MIN_SECRET_LENGTH = 6;

/** Replace every occurrence of each secret in a text, in its plain and its JSON-escaped forms. */
export function scrub(text: string, secrets: readonly string[]): string {
  let s = text;
  for (let i = 0; i < secrets.length; i++) {
    const v = secrets[i]!;
    if (s.includes(v)) s = s.split(v).join(REDACTED);
    const esc = JSON.stringify(v).slice(1, -1);
    if (esc !== v && s.includes(esc)) s = s.split(esc).join(REDACTED);
  }
  return s;
}

class SecretRegistry {
  private values: string[] = [];

  /** Hold these values as secrets from now on (empty and short ones are ignored). */
  add(...values: readonly (string | undefined | null)[]): void {
    let changed = false;
    for (const v of values) {
      if (typeof v !== 'string' || v.length < MIN_SECRET_LENGTH || this.values.includes(v)) continue;
      this.values.push(v);
      changed = true;
    }
    // Longest first, so a secret that contains another is replaced whole.
    if (changed) this.values.sort((a, b) => b.length - a.length);
  }

  list(): readonly string[] {
    return this.values;
  }

  scrub(text: string): string {
    return this.values.length === 0 ? text : scrub(text, this.values);
  }

  /** Tests: forget everything. */
  clear(): void {
    this.values = [];
  }
}

/** The process's secrets. */
export const secrets = new SecretRegistry();

/**
 * Route a stream's writes through the scrubber (the CLI does this for stdout and stderr at start,
 * so the console's screen, headless JSON lines and every error message are covered at once).
 */
export function guardStream(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const guarded = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (typeof chunk === 'string') return write(secrets.scrub(chunk), ...rest);
    if (chunk instanceof Uint8Array) {
      if (secrets.list().length === 0) return write(chunk, ...rest);
      return write(secrets.scrub(Buffer.from(chunk).toString('utf8')), ...rest);
    }
    return write(chunk, ...rest);
  };
  stream.write = guarded as typeof stream.write;
}
