/**
 * OKX's request authentication, checked the way OKX checks it: the headers present, the key known,
 * the timestamp within 30 s of the venue's wall clock, the passphrase, then the signature
 * base64(HMAC-SHA256(secret, timestamp + METHOD + path?query + body)); and the demo/live split
 * (`x-simulated-trading: 1` only on a demo account). Pure: the answer is an OKX error or null.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  readonly apiKey: string;
  readonly secret: string;
  readonly passphrase: string;
}

export interface AuthError {
  readonly status: number;
  readonly code: string;
  readonly msg: string;
}

export const sign = (secret: string, prehash: string): string => createHmac('sha256', secret).update(prehash).digest('base64');

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const MAX_SKEW_MS = 30_000;

export function checkRestAuth(
  creds: Credentials, liveAccount: boolean, headers: Readonly<Record<string, string | string[] | undefined>>,
  method: string, pathAndQuery: string, body: string, wallNow: number,
): AuthError | null {
  const h = (k: string): string | undefined => {
    const v = headers[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const key = h('ok-access-key');
  const signature = h('ok-access-sign');
  const ts = h('ok-access-timestamp');
  const pass = h('ok-access-passphrase');
  if (key === undefined || key === '') return { status: 401, code: '50103', msg: 'Request header "OK-ACCESS-KEY" cannot be empty.' };
  if (pass === undefined || pass === '') return { status: 401, code: '50104', msg: 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.' };
  if (signature === undefined || signature === '') return { status: 401, code: '50106', msg: 'Request header "OK-ACCESS-SIGN" cannot be empty.' };
  if (ts === undefined || ts === '') return { status: 401, code: '50107', msg: 'Request header "OK-ACCESS-TIMESTAMP" cannot be empty.' };
  const t = Date.parse(ts);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(ts) || Number.isNaN(t)) return { status: 401, code: '50112', msg: 'Invalid OK-ACCESS-TIMESTAMP' };
  if (Math.abs(wallNow - t) > MAX_SKEW_MS) return { status: 401, code: '50102', msg: 'Timestamp request expired' };
  if (!same(key, creds.apiKey)) return { status: 401, code: '50111', msg: 'Invalid OK-ACCESS-KEY' };
  const demo = h('x-simulated-trading') === '1';
  if (demo === liveAccount) return { status: 401, code: '50101', msg: 'APIKey does not match current environment.' };
  if (!same(pass, creds.passphrase)) return { status: 401, code: '50105', msg: 'Request header "OK-ACCESS-PASSPHRASE" incorrect.' };
  if (!same(signature, sign(creds.secret, ts + method.toUpperCase() + pathAndQuery + body))) return { status: 401, code: '50113', msg: 'Invalid Sign' };
  return null;
}

/** The websocket login: sign = base64 HMAC(ts seconds + "GET" + "/users/self/verify"); OKX's 600xx codes. */
export function checkWsLogin(creds: Credentials, arg: { apiKey: string; passphrase: string; timestamp: string; sign: string }, wallNow: number): AuthError | null {
  const t = Number(arg.timestamp) * 1000;
  if (!Number.isFinite(t)) return { status: 0, code: '60004', msg: 'Invalid timestamp' };
  if (Math.abs(wallNow - t) > MAX_SKEW_MS) return { status: 0, code: '60006', msg: 'Timestamp request expired' };
  if (!same(arg.apiKey, creds.apiKey)) return { status: 0, code: '60005', msg: 'Invalid apiKey' };
  if (!same(arg.passphrase, creds.passphrase)) return { status: 0, code: '60024', msg: 'Wrong passphrase' };
  if (!same(arg.sign, sign(creds.secret, arg.timestamp + 'GET/users/self/verify'))) return { status: 0, code: '60007', msg: 'Invalid sign' };
  return null;
}
