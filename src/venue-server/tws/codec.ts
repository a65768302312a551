/**
 * The TWS API's framing, server side. A connection opens with the bytes "API\0", a 4-byte
 * big-endian length and the client's version range ("v100..193", possibly followed by connect
 * options after a space). Every message after that, both ways, is a 4-byte big-endian length and
 * then NUL-terminated fields: numbers as decimal strings, booleans 0/1, empty = unset.
 */

/** The one server version this fake speaks (the layouts in wire.ts are those of version 193). */
export const SERVER_VERSION = 193;
export const MIN_CLIENT_VERSION = 100;
/** Frames longer than this are refused (the SDK's own limit is 0xffffff). */
export const MAX_FRAME = 0xffffff;

const API_PREFIX = Buffer.from('API\0', 'latin1');

export type Field = string | number | boolean | null | undefined;

/** One framed message: the length, then each field followed by a NUL. */
export function frame(fields: readonly Field[]): Buffer {
  const body = Buffer.from(fields.map(fieldText).join('\0') + '\0', 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

export function fieldText(v: Field): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot send ${v} as a TWS field`);
    return String(v);
  }
  if (v.includes('\0')) throw new Error('a TWS field cannot hold a NUL byte');
  return v;
}

export type Incoming =
  | { readonly kind: 'hello'; readonly min: number; readonly max: number; readonly options: string }
  | { readonly kind: 'message'; readonly fields: string[] }
  | { readonly kind: 'bad'; readonly reason: string };

/**
 * Cuts the byte stream of one connection into the handshake and then messages. Feed it chunks as
 * they arrive; it returns whatever is complete. After a `bad` result the connection should close.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private greeted = false;
  private broken = false;

  push(chunk: Buffer): Incoming[] {
    if (this.broken) return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Incoming[] = [];
    if (!this.greeted) {
      if (this.buf.length < API_PREFIX.length + 4) {
        if (!API_PREFIX.subarray(0, Math.min(this.buf.length, API_PREFIX.length)).equals(this.buf.subarray(0, Math.min(this.buf.length, API_PREFIX.length)))) return this.fail('the connection did not start with "API\\0"');
        return out;
      }
      if (!this.buf.subarray(0, API_PREFIX.length).equals(API_PREFIX)) return this.fail('the connection did not start with "API\\0"');
      const len = this.buf.readUInt32BE(API_PREFIX.length);
      if (len > 1000) return this.fail(`version string of ${len} bytes`);
      if (this.buf.length < API_PREFIX.length + 4 + len) return out;
      const text = this.buf.subarray(API_PREFIX.length + 4, API_PREFIX.length + 4 + len).toString('utf8');
      this.buf = this.buf.subarray(API_PREFIX.length + 4 + len);
      this.greeted = true;
      const m = /^v(\d+)(?:\.\.(\d+))?(?: (.*))?$/s.exec(text);
      if (m === null) return this.fail(`version range "${text}" is not of the form v100..193`);
      const min = Number(m[1]);
      out.push({ kind: 'hello', min, max: m[2] !== undefined ? Number(m[2]) : min, options: m[3] ?? '' });
    }
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > MAX_FRAME) return [...out, ...this.fail(`a frame of ${len} bytes is over the ${MAX_FRAME}-byte limit`)];
      if (this.buf.length < 4 + len) break;
      const body = this.buf.subarray(4, 4 + len).toString('utf8');
      this.buf = this.buf.subarray(4 + len);
      if (len === 0 || !body.endsWith('\0')) {
        out.push({ kind: 'bad', reason: 'a message whose last field is not NUL-terminated' });
        continue;
      }
      out.push({ kind: 'message', fields: body.slice(0, -1).split('\0') });
    }
    return out;
  }

  private fail(reason: string): Incoming[] {
    this.broken = true;
    this.buf = Buffer.alloc(0);
    return [{ kind: 'bad', reason }];
  }
}

/** A request that does not parse: answered with error 320 naming `field`. */
export class MalformedRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedRequest';
  }
}

/**
 * Strict reader over one request's fields: every read names the field it expects, a value of the
 * wrong shape or a missing field throws MalformedRequest, and `end()` refuses leftovers.
 */
export class FieldReader {
  private i = 0;
  constructor(private readonly fields: readonly string[], private readonly what: string) {}

  private next(name: string): string {
    if (this.i >= this.fields.length) throw new MalformedRequest(`${this.what}: missing field ${name} (field ${this.i})`);
    return this.fields[this.i++]!;
  }

  str(name: string): string {
    return this.next(name);
  }

  int(name: string): number {
    const s = this.next(name);
    if (!/^-?\d+$/.test(s)) throw new MalformedRequest(`${this.what}: ${name} must be an integer, got "${s}"`);
    return Number(s);
  }

  /** Empty = unset (the SDK sends undefined as an empty field); 2147483647 is the API's "unset" too. */
  intOpt(name: string): number | undefined {
    const s = this.next(name);
    if (s === '' || s === '2147483647') return undefined;
    if (!/^-?\d+$/.test(s)) throw new MalformedRequest(`${this.what}: ${name} must be an integer, got "${s}"`);
    return Number(s);
  }

  numOpt(name: string): number | undefined {
    const s = this.next(name);
    if (s === '' || s === '1.7976931348623157e+308' || s === '1.7976931348623157E308') return undefined;
    const n = Number(s);
    if (!Number.isFinite(n)) throw new MalformedRequest(`${this.what}: ${name} must be a number, got "${s}"`);
    return n;
  }

  /** 0/1 (empty = false: the SDK sends an unset boolean as an empty field). */
  bool(name: string): boolean {
    const s = this.next(name);
    if (s === '' || s === '0' || s === 'false') return false;
    if (s === '1' || s === 'true') return true;
    throw new MalformedRequest(`${this.what}: ${name} must be 0 or 1, got "${s}"`);
  }

  skip(name: string, n = 1): void {
    for (let k = 0; k < n; k++) this.next(name);
  }

  end(): void {
    if (this.i !== this.fields.length) throw new MalformedRequest(`${this.what}: ${this.fields.length - this.i} unexpected field(s) after field ${this.i - 1} (the parity TWS fake reads the layout of server version ${SERVER_VERSION})`);
  }
}
