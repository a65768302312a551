/**
 * Alpaca settings from the environment (or a `.env` file): keys, and where the REST API and the
 * two streams are. Paper is the default; only `live: true` (the --live flag) selects a live
 * account, and a URL that contradicts the chosen mode refuses to start: a paper session must never
 * reach api.alpaca.markets, a live one never paper-api.
 */
import { secrets } from '../../util/secrets.ts';
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { AlpacaConfigError } from './errors.ts';

export const PAPER_BASE_URL = 'https://paper-api.alpaca.markets';
export const LIVE_BASE_URL = 'https://api.alpaca.markets';
export const DATA_STREAM_URL = 'wss://stream.data.alpaca.markets';

export interface AlpacaSettings {
  readonly keyId: string;
  readonly secretKey: string;
  readonly live: boolean;
  /** REST origin (and optional path prefix), e.g. https://paper-api.alpaca.markets. */
  readonly baseUrl: string;
  /** trade_updates stream, e.g. wss://paper-api.alpaca.markets/stream. */
  readonly streamUrl: string;
  /** Market data stream host, e.g. wss://stream.data.alpaca.markets (feed paths are appended). */
  readonly dataUrl: string;
  /**
   * Market data REST origin (historical bars), e.g. https://data.alpaca.markets: derived from the data
   * stream's host (stream.data.X -> data.X; a local venue serves both on one port, ws -> http).
   */
  readonly dataRestUrl: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The environment with `.env` underneath it (real environment variables win). Nothing is mutated. */
export function envWithDotEnv(env: Env = process.env, file = '.env'): Env {
  if (!existsSync(file)) return env;
  const fromFile = parseEnv(readFileSync(file, 'utf8'));
  return { ...fromFile, ...env };
}

const isLoopback = (u: URL): boolean => u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';

function parseUrl(name: string, value: string, protocols: readonly string[]): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new AlpacaConfigError(`${name} is not a URL: "${value}"`);
  }
  if (!protocols.includes(u.protocol)) throw new AlpacaConfigError(`${name} must be a ${protocols.join(' or ')} URL, got "${value}"`);
  // Plain http / ws only to this machine: keys never cross a network unencrypted.
  if ((u.protocol === 'http:' || u.protocol === 'ws:') && !isLoopback(u)) throw new AlpacaConfigError(`${name} uses ${u.protocol} to ${u.hostname}: only 127.0.0.1 or localhost may be plain, use https / wss`);
  return u;
}

function checkMode(name: string, u: URL, live: boolean): void {
  const h = u.hostname.toLowerCase();
  if (!live && (h === 'api.alpaca.markets')) {
    throw new AlpacaConfigError(`${name} points at Alpaca's LIVE API (${h}) but --live was not given: refusing to start. Remove ${name} for paper trading, or pass --live to trade real money.`);
  }
  if (live && h.startsWith('paper-api.')) {
    throw new AlpacaConfigError(`--live was given but ${name} points at the paper API (${h}): refusing to start. Remove ${name} or drop --live.`);
  }
}

export function resolveAlpacaSettings(env: Env, opts: { readonly live: boolean }): AlpacaSettings {
  const keyId = env.ALPACA_KEY_ID?.trim() ?? '';
  const secretKey = env.ALPACA_SECRET_KEY?.trim() ?? '';
  // The values this process now holds are scrubbed from every sink (journal, store, recording, terminal).
  secrets.add(secretKey, keyId);
  const missing = [keyId === '' ? 'ALPACA_KEY_ID' : null, secretKey === '' ? 'ALPACA_SECRET_KEY' : null].filter((x) => x !== null);
  if (missing.length > 0) throw new AlpacaConfigError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: put them in the environment or in .env (see .env.example)`);

  const live = opts.live;
  const base = parseUrl('ALPACA_BASE_URL', (env.ALPACA_BASE_URL?.trim() || (live ? LIVE_BASE_URL : PAPER_BASE_URL)), ['https:', 'http:']);
  checkMode('ALPACA_BASE_URL', base, live);
  const wsProto = base.protocol === 'http:' ? 'ws:' : 'wss:';
  const stream = parseUrl('ALPACA_STREAM_URL', env.ALPACA_STREAM_URL?.trim() || `${wsProto}//${base.host}/stream`, ['wss:', 'ws:']);
  checkMode('ALPACA_STREAM_URL', stream, live);
  // A local venue serves market data on its own port too; a real one uses Alpaca's data host.
  const data = parseUrl('ALPACA_DATA_URL', env.ALPACA_DATA_URL?.trim() || (isLoopback(base) ? `${wsProto}//${base.host}` : DATA_STREAM_URL), ['wss:', 'ws:']);
  return {
    keyId, secretKey, live,
    baseUrl: base.href.replace(/\/$/, ''),
    streamUrl: stream.href,
    dataUrl: data.href.replace(/\/$/, ''),
    dataRestUrl: dataRestOrigin(data),
  };
}

/** The REST origin of a market data stream URL: wss://stream.data.alpaca.markets -> https://data.alpaca.markets. */
function dataRestOrigin(stream: URL): string {
  const proto = stream.protocol === 'ws:' ? 'http:' : 'https:';
  const host = stream.host.startsWith('stream.data.') ? stream.host.slice('stream.'.length) : stream.host;
  return `${proto}//${host}`;
}

/** For logs and the console: everything but the secret (the key id is shown shortened). */
export function describeSettings(s: AlpacaSettings): string {
  const key = s.keyId.length > 6 ? `${s.keyId.slice(0, 4)}…${s.keyId.slice(-2)}` : '…';
  return `alpaca ${s.live ? 'LIVE' : 'paper'} ${s.baseUrl} (stream ${s.streamUrl}, data ${s.dataUrl}, key ${key})`;
}
