/**
 * The live-host guard, for every venue's endpoints: which account an endpoint URL reaches is judged
 * on its canonical hostname (the WHATWG parse: lower case, percent-decoded, IDNA-mapped, IPv4 and
 * IPv6 normalised; then any trailing dots removed), never on the string the operator typed, so
 * `https://API.alpaca.markets.`, `https://x@api.alpaca.markets` or `https://api.alpaca.markets:8443`
 * are the live API like the plain spelling. Ports never change what a host is.
 *
 * The rules, in order (the first that fails is the answer):
 *   - plain http / ws only to this machine (127.0.0.1, localhost, ::1): keys never cross a network
 *     unencrypted;
 *   - a live host needs --live; a paper host refuses --live;
 *   - an unknown host is live: with --live it is accepted (the typed account confirm follows, as
 *     for any live session), without --live it is refused unless it is this machine;
 *   - no user name or password in an endpoint (it would be logged, and it is how a URL hides its
 *     real host).
 *
 * A venue describes its hosts once (`EndpointSet`) and calls `checkEndpoint` for each URL it will
 * use; the verdict carries the message, and the venue throws it as its own configuration error.
 */

export interface EndpointSet {
  /** The venue's name as the operator knows it, for messages ("Alpaca"). */
  readonly venue: string;
  /** Canonical hostnames that reach real-money accounts. */
  readonly live: readonly string[];
  /** Canonical hostnames of the paper / sandbox environment. */
  readonly paper: readonly string[];
  /** Hosts both modes use (market data): accepted either way. */
  readonly shared?: readonly string[];
}

export type EndpointKind = 'live' | 'paper' | 'shared' | 'loopback' | 'unknown';

export type EndpointVerdict =
  | { readonly ok: true; readonly url: URL; readonly host: string; readonly kind: EndpointKind }
  | { readonly ok: false; readonly message: string };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const PLAIN = new Set(['http:', 'ws:']);

/** A hostname as the guard compares it: lower case, without trailing dots (`API.X.` -> `api.x`). */
export function canonicalHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/\.+$/, '');
}

/** The canonical host of a URL (string or parsed); null when it does not parse. */
export function canonicalHost(url: string | URL): string | null {
  try {
    return canonicalHostname((typeof url === 'string' ? new URL(url) : url).hostname);
  } catch {
    return null;
  }
}

/** This machine: 127.0.0.1, localhost or ::1, however spelt. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(canonicalHostname(host));
}

export function classifyHost(host: string, set: EndpointSet): EndpointKind {
  const h = canonicalHostname(host);
  const has = (list: readonly string[] | undefined) => (list ?? []).some((x) => canonicalHostname(x) === h);
  if (LOOPBACK.has(h)) return 'loopback';
  if (has(set.live)) return 'live';
  if (has(set.paper)) return 'paper';
  if (has(set.shared)) return 'shared';
  return 'unknown';
}

/**
 * Judge one endpoint. `name` is what the operator set (an environment variable, a flag);
 * `protocols` the schemes this endpoint may use (e.g. ['https:', 'http:']).
 */
export function checkEndpoint(name: string, value: string, set: EndpointSet, opts: { readonly live: boolean; readonly protocols: readonly string[] }): EndpointVerdict {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, message: `${name} is not a URL: "${value}"` };
  }
  if (!opts.protocols.includes(url.protocol)) return { ok: false, message: `${name} must be a ${opts.protocols.join(' or ')} URL, got "${value}"` };
  const host = canonicalHostname(url.hostname);
  const kind = classifyHost(host, set);
  const at = url.port === '' ? host : `${host}:${url.port}`;
  if (PLAIN.has(url.protocol) && kind !== 'loopback') {
    return { ok: false, message: `${name} uses ${url.protocol} to ${at}: only 127.0.0.1 or localhost may be plain, use https / wss` };
  }
  if (kind === 'live' && !opts.live) {
    return { ok: false, message: `${name} points at ${set.venue}'s LIVE API (${at}) but --live was not given: refusing to start. Remove ${name} for paper trading, or pass --live to trade real money.` };
  }
  if (kind === 'paper' && opts.live) {
    return { ok: false, message: `--live was given but ${name} points at ${set.venue}'s paper API (${at}): refusing to start. Remove ${name} or drop --live.` };
  }
  if (kind === 'unknown' && !opts.live) {
    return {
      ok: false,
      message: `${name} points at ${at}, an unknown host (not ${set.venue}'s paper API ${set.paper.join(', ')}, nor this machine): `
        + `refusing to start a paper session there, since it may reach a live account under another name. `
        + `Use ${set.paper[0] ?? 'the paper API'} or 127.0.0.1 / localhost, or pass --live to treat it as live (you will type the account id).`,
    };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, message: `${name} carries a user name or password before its host (${at}): refusing to start. Remove the "user@" part; keys come from the environment or .env only.` };
  }
  return { ok: true, url, host, kind };
}
