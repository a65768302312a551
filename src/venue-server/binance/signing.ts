/**
 * Binance's request authentication, checked as Binance checks it: X-MBX-APIKEY present (-2014) and
 * known (-2015), `timestamp` sent (-1102) and inside `recvWindow` (default 5000 ms, at most 60000;
 * -1021 when older than the window or more than 1 s ahead of the server), then `signature` =
 * hex HMAC-SHA256(secret, totalParams) where totalParams is the query string followed by the body,
 * without the signature itself (-1022). Pure: a Binance error or null.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ERR, type BinanceError } from './codes.ts';

export interface Credentials {
  readonly apiKey: string;
  readonly secret: string;
}

export const signHex = (secret: string, payload: string): string => createHmac('sha256', secret).update(payload).digest('hex');

export const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** `a=1&signature=..&b=2` -> the string without the signature pair, and the signature. */
function splitSignature(raw: string): { rest: string; signature: string | undefined } {
  if (raw === '') return { rest: '', signature: undefined };
  let signature: string | undefined;
  const kept: string[] = [];
  for (const part of raw.split('&')) {
    if (part.startsWith('signature=')) signature = decodeURIComponent(part.slice('signature='.length));
    else kept.push(part);
  }
  return { rest: kept.join('&'), signature };
}

export function checkApiKey(creds: Credentials, headers: Readonly<Record<string, string | string[] | undefined>>): BinanceError | null {
  const v = headers['x-mbx-apikey'];
  const key = Array.isArray(v) ? v[0] : v;
  if (key === undefined || key === '') return ERR.noKey;
  if (!same(key, creds.apiKey)) return ERR.badKey;
  return null;
}

/** A SIGNED endpoint: key, timestamp window and signature over query + body. `params` holds both, parsed. */
export function checkSigned(
  creds: Credentials, headers: Readonly<Record<string, string | string[] | undefined>>, rawQuery: string, rawBody: string,
  params: URLSearchParams, wallNow: number,
): BinanceError | null {
  const k = checkApiKey(creds, headers);
  if (k !== null) return k;
  const ts = params.get('timestamp');
  if (ts === null || !/^\d+$/.test(ts)) return ERR.mandatory('timestamp');
  const rw = params.get('recvWindow');
  const recvWindow = rw === null ? 5000 : Number(rw);
  if (!(recvWindow > 0 && recvWindow <= 60_000)) return ERR.badParam("Param 'recvWindow' must be less than 60000.");
  const t = Number(ts);
  if (t > wallNow + 1000 || wallNow - t > recvWindow) return ERR.stale;
  const q = splitSignature(rawQuery);
  const b = splitSignature(rawBody);
  const signature = q.signature ?? b.signature;
  if (signature === undefined || signature === '') return ERR.mandatory('signature');
  if (!same(signature, signHex(creds.secret, q.rest + b.rest))) return ERR.badSignature;
  return null;
}

/**
 * The WS-API's signed request (userDataStream.subscribe.signature): params sorted by name, joined
 * `k=v&...` without `signature`, hex HMAC-SHA256; the same key and window rules.
 */
export function checkWsSigned(creds: Credentials, params: Readonly<Record<string, unknown>>, wallNow: number): BinanceError | null {
  const key = params['apiKey'];
  if (typeof key !== 'string' || key === '') return ERR.noKey;
  if (!same(key, creds.apiKey)) return ERR.badKey;
  const t = Number(params['timestamp']);
  if (!Number.isFinite(t)) return ERR.mandatory('timestamp');
  const recvWindow = params['recvWindow'] === undefined ? 5000 : Number(params['recvWindow']);
  if (t > wallNow + 1000 || wallNow - t > recvWindow) return ERR.stale;
  const sig = params['signature'];
  if (typeof sig !== 'string') return ERR.mandatory('signature');
  const payload = Object.keys(params).filter((k) => k !== 'signature').sort().map((k) => `${k}=${String(params[k])}`).join('&');
  if (!same(sig, signHex(creds.secret, payload))) return ERR.badSignature;
  return null;
}
