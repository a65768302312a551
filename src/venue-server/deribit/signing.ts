/**
 * Deribit's authentication, checked as Deribit checks it. REST: `Authorization: deri-hmac-sha256
 * id=<client id>,ts=<ms>,sig=<hex>,nonce=<n>`, sig = hex HMAC-SHA256(secret,
 * `${ts}\n${nonce}\n${METHOD}\n${path?query}\n${body}\n`) (what ccxt's deribit.sign sends).
 * Websocket public/auth: grant_type client_signature, signature = hex HMAC-SHA256(secret,
 * `${timestamp}\n${nonce}\n${data}`), or client_credentials with the secret itself. The timestamp
 * must be within 60 s of this machine's clock. Pure: the answer is Deribit's error or null.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { E, rpcError, type RpcError } from './errors.ts';

export interface Credentials { readonly apiKey: string; readonly secret: string }

export const hexSign = (secret: string, prehash: string): string => createHmac('sha256', secret).update(prehash).digest('hex');

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const MAX_SKEW_MS = 60_000;

export function checkRestAuth(c: Credentials, authorization: string | undefined, method: string, pathAndQuery: string, body: string, wallNow: number): RpcError | null {
  if (authorization === undefined || authorization.trim() === '') return rpcError(E.unauthorized, 'no Authorization header');
  const m = /^deri-hmac-sha256 (.*)$/.exec(authorization.trim());
  if (m === null) return rpcError(E.unauthorized, 'unsupported Authorization scheme (expected deri-hmac-sha256)');
  const kv = new Map(m[1]!.split(',').map((p) => { const i = p.indexOf('='); return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const; }));
  const id = kv.get('id');
  const ts = kv.get('ts');
  const sig = kv.get('sig');
  const nonce = kv.get('nonce') ?? '';
  if (id === undefined || ts === undefined || sig === undefined) return rpcError(E.unauthorized, 'Authorization needs id, ts, sig and nonce');
  if (!same(id, c.apiKey)) return rpcError(E.invalidCredentials, 'unknown client id');
  const t = Number(ts);
  if (!/^\d+$/.test(ts) || Math.abs(wallNow - t) > MAX_SKEW_MS) return rpcError(E.invalidCredentials, `timestamp ${ts} is more than 60 s from the server's clock`);
  const want = hexSign(c.secret, `${ts}\n${nonce}\n${method}\n${pathAndQuery}\n${body}\n`);
  if (!same(sig, want)) return rpcError(E.invalidCredentials, 'invalid signature');
  return null;
}

export function checkWsAuth(c: Credentials, p: Readonly<Record<string, unknown>>, wallNow: number): RpcError | null {
  const id = typeof p['client_id'] === 'string' ? p['client_id'] : '';
  if (p['grant_type'] === 'client_credentials') {
    const secret = typeof p['client_secret'] === 'string' ? p['client_secret'] : '';
    return same(id, c.apiKey) && same(secret, c.secret) ? null : rpcError(E.invalidCredentials, 'invalid client id or secret');
  }
  if (p['grant_type'] !== 'client_signature') return rpcError(E.invalidArguments, 'grant_type must be client_signature or client_credentials');
  const ts = p['timestamp'];
  const sig = typeof p['signature'] === 'string' ? p['signature'] : '';
  const nonce = typeof p['nonce'] === 'string' ? p['nonce'] : '';
  const data = typeof p['data'] === 'string' ? p['data'] : '';
  if (!same(id, c.apiKey)) return rpcError(E.invalidCredentials, 'unknown client id');
  if (typeof ts !== 'number' || Math.abs(wallNow - ts) > MAX_SKEW_MS) return rpcError(E.invalidCredentials, 'timestamp is more than 60 s from the server\'s clock');
  if (!same(sig, hexSign(c.secret, `${ts}\n${nonce}\n${data}`))) return rpcError(E.invalidCredentials, 'invalid signature');
  return null;
}
