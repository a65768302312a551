/**
 * Bybit v5's request authentication, checked as Bybit checks it: X-BAPI-API-KEY, -TIMESTAMP,
 * -RECV-WINDOW and -SIGN present, the key known (10003), the timestamp within the recv window of
 * the server's clock (10002: server_time - recv_window <= timestamp < server_time + 1000), then
 * SIGN = hex HMAC-SHA256(secret, timestamp + apiKey + recvWindow + (query string | body)) (10004).
 * The private websocket's auth op: hex HMAC-SHA256(secret, 'GET/realtime' + expires), expires in
 * the future. Pure: the answer is a Bybit error or null.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  readonly apiKey: string;
  readonly secret: string;
}

export interface AuthError {
  readonly retCode: number;
  readonly retMsg: string;
}

export const sign = (secret: string, prehash: string): string => createHmac('sha256', secret).update(prehash).digest('hex');

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function checkRestAuth(
  creds: Credentials, headers: Readonly<Record<string, string | string[] | undefined>>, payload: string, wallNow: number,
): AuthError | null {
  const h = (k: string): string => {
    const v = headers[k];
    return (Array.isArray(v) ? v[0] : v) ?? '';
  };
  const key = h('x-bapi-api-key');
  const ts = h('x-bapi-timestamp');
  const sig = h('x-bapi-sign');
  const recv = h('x-bapi-recv-window') || '5000';
  if (key === '' || ts === '' || sig === '') return { retCode: 10003, retMsg: 'API key is invalid. (X-BAPI-API-KEY, X-BAPI-TIMESTAMP and X-BAPI-SIGN are required)' };
  if (!same(key, creds.apiKey)) return { retCode: 10003, retMsg: 'API key is invalid.' };
  const t = Number(ts);
  const window = Number(recv);
  if (!/^\d+$/.test(ts) || !Number.isFinite(window) || !(t >= wallNow - window && t < wallNow + 1000)) {
    return { retCode: 10002, retMsg: `invalid request, please check your server timestamp or recv_window param. req_timestamp[${ts}],server_timestamp[${wallNow}],recv_window[${recv}]` };
  }
  if (!same(sig, sign(creds.secret, ts + key + recv + payload))) return { retCode: 10004, retMsg: 'error sign! origin_string[' + ts + key + recv + '...]' };
  return null;
}

/** The websocket `auth` op: args [apiKey, expires (ms), signature]. */
export function checkWsAuth(creds: Credentials, args: readonly unknown[], wallNow: number): string | null {
  const [key, expires, signature] = args.map((a) => (typeof a === 'string' || typeof a === 'number' ? String(a) : ''));
  if (key === undefined || expires === undefined || signature === undefined || key === '') return 'error:request args invalid';
  if (!same(key, creds.apiKey)) return 'error:USVC1111';
  if (!(Number(expires) > wallNow)) return 'error:expired';
  if (!same(signature, sign(creds.secret, 'GET/realtime' + expires))) return 'error:signature verification failed';
  return null;
}
