/**
 * The live-host guard compares canonical hostnames: a trailing dot, upper case, userinfo, an
 * explicit port or an encoded dot does not turn Alpaca's live API into "not live". An unknown host
 * is live with --live (the typed account confirm follows) and refused without it, unless it is this
 * machine.
 */
import { describe, expect, it } from 'vitest';
import { resolveAlpacaSettings } from '../../../src/venues/alpaca/config.ts';

const keys = { ALPACA_KEY_ID: 'PKTESTKEY123', ALPACA_SECRET_KEY: 'supersecretvalue' };
const paper = (url: string, name = 'ALPACA_BASE_URL') => () => resolveAlpacaSettings({ ...keys, [name]: url }, { live: false });
const live = (url: string, name = 'ALPACA_BASE_URL') => () => resolveAlpacaSettings({ ...keys, [name]: url }, { live: true });

describe('alpaca live-host guard', () => {
  it('the live API under another spelling is still live: refused without --live', () => {
    for (const url of [
      'https://api.alpaca.markets.',
      'https://API.ALPACA.MARKETS.',
      'https://Api.Alpaca.Markets',
      'https://api.alpaca.markets:443',
      'https://api.alpaca.markets.:443/v2',
      'https://api.alpaca.markets:8443',
      'https://x@api.alpaca.markets',
      'https://paper-api.alpaca.markets@api.alpaca.markets',
      'https://api%2Ealpaca.markets',
      'https://api。alpaca.markets',
      'https://api.alpaca.markets..',
    ]) {
      expect(paper(url), url).toThrow(/LIVE API.*--live was not given/);
    }
    expect(paper('wss://api.alpaca.markets./stream', 'ALPACA_STREAM_URL')).toThrow(/LIVE API/);
  });

  it('the paper API under another spelling is still paper: refused with --live', () => {
    expect(live('https://paper-api.alpaca.markets.')).toThrow(/paper API/);
    expect(live('https://PAPER-API.alpaca.markets:443')).toThrow(/paper API/);
    expect(live('wss://paper-api.alpaca.markets./stream', 'ALPACA_STREAM_URL')).toThrow(/paper API/);
  });

  it('the canonical hosts are accepted in their own mode', () => {
    expect(paper('https://paper-api.alpaca.markets.')().baseUrl).toMatch(/paper-api\.alpaca\.markets/);
    expect(live('https://API.alpaca.markets')().live).toBe(true);
  });

  it('userinfo in an endpoint is refused (it would be logged, and it hides the host)', () => {
    expect(live('https://x@api.alpaca.markets')).toThrow(/user name or password/);
    expect(paper('https://user:pw@paper-api.alpaca.markets')).toThrow(/user name or password/);
    expect(paper('https://paper-api.alpaca.markets@evil.example')).toThrow(/evil\.example/);
  });

  it('an unknown host: refused without --live, treated as live with --live', () => {
    expect(paper('https://evil.example')).toThrow(/evil\.example.*unknown|unknown.*evil\.example/);
    expect(paper('https://alpaca.markets.evil.example')).toThrow(/unknown/);
    expect(paper('wss://stream.evil.example', 'ALPACA_DATA_URL')).toThrow(/unknown/);
    const s = live('https://broker.example:8443')();
    expect(s.live).toBe(true);
  });

  it('this machine, however it is spelt, is a local venue in either mode', () => {
    for (const url of ['http://localhost.:4100', 'http://LOCALHOST:4100', 'http://127.0.0.1:4100', 'http://[::1]:4100', 'http://[0:0:0:0:0:0:0:1]:4100']) {
      const s = paper(url)();
      expect(s.streamUrl, url).toMatch(/^ws:\/\//);
      expect(s.dataUrl, url).toMatch(/^ws:\/\//); // a local venue serves market data too
      expect(live(url)().live, url).toBe(true);
    }
  });

  it('plain http only to this machine, judged on the canonical host', () => {
    expect(paper('http://localhost.evil.example')).toThrow(/only 127\.0\.0\.1/);
    expect(paper('http://127.0.0.2:4100')).toThrow(/only 127\.0\.0\.1/);
  });
});
