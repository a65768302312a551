/** The shared live-host guard every venue's endpoints go through (src/venues/endpoint-guard.ts). */
import { describe, expect, it } from 'vitest';
import { type EndpointSet, canonicalHost, canonicalHostname, checkEndpoint, classifyHost, isLoopbackHost } from '../../src/venues/endpoint-guard.ts';

/** A made-up venue, to show the guard knows nothing of Alpaca. */
const VENUE: EndpointSet = { venue: 'Example', live: ['trade.example.com'], paper: ['sandbox.example.com'], shared: ['md.example.com'] };
const https = ['https:', 'http:'];

describe('endpoint guard', () => {
  it('canonical hostnames: lower case, no trailing dots, from the parsed URL', () => {
    expect(canonicalHostname('Trade.Example.COM.')).toBe('trade.example.com');
    expect(canonicalHost('https://u:p@TRADE.example.com.:8443/x')).toBe('trade.example.com');
    expect(canonicalHost('https://trade%2Eexample.com')).toBe('trade.example.com');
    expect(canonicalHost('not a url')).toBeNull();
  });

  it('this machine, however spelt', () => {
    for (const h of ['localhost', 'localhost.', 'LOCALHOST', '127.0.0.1', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['localhost.example.com', '127.0.0.2', '[::2]', 'example.com']) expect(isLoopbackHost(h), h).toBe(false);
    expect(canonicalHost('http://[0:0:0:0:0:0:0:1]:1')).toBe('[::1]');
    expect(canonicalHost('http://2130706433/')).toBe('127.0.0.1');
  });

  it('classifies by canonical host; ports and userinfo never change the class', () => {
    expect(classifyHost('TRADE.example.com.', VENUE)).toBe('live');
    expect(classifyHost('sandbox.example.com', VENUE)).toBe('paper');
    expect(classifyHost('md.example.com', VENUE)).toBe('shared');
    expect(classifyHost('trade.example.com.evil.test', VENUE)).toBe('unknown');
    for (const url of ['https://trade.example.com.', 'https://trade.example.com:8443', 'https://trade.example.com:443', 'https://sandbox.example.com@trade.example.com']) {
      const v = checkEndpoint('URL', url, VENUE, { live: false, protocols: https });
      expect(v.ok, url).toBe(false);
      if (!v.ok) expect(v.message, url).toMatch(/Example's LIVE API \(trade\.example\.com(:8443)?\) but --live was not given/);
    }
  });

  it('an unknown host is live: accepted with --live, refused without unless it is this machine', () => {
    const w = checkEndpoint('URL', 'https://other.test', VENUE, { live: false, protocols: https });
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.message).toMatch(/other\.test, an unknown host.*--live/);
    expect(checkEndpoint('URL', 'https://other.test', VENUE, { live: true, protocols: https })).toMatchObject({ ok: true, kind: 'unknown', host: 'other.test' });
    expect(checkEndpoint('URL', 'http://localhost.:9', VENUE, { live: false, protocols: https })).toMatchObject({ ok: true, kind: 'loopback' });
    expect(checkEndpoint('URL', 'https://md.example.com', VENUE, { live: false, protocols: https })).toMatchObject({ ok: true, kind: 'shared' });
    expect(checkEndpoint('URL', 'https://md.example.com', VENUE, { live: true, protocols: https })).toMatchObject({ ok: true, kind: 'shared' });
  });

  it('a paper host refuses --live; userinfo and plain protocols off this machine are refused', () => {
    expect(checkEndpoint('URL', 'https://SANDBOX.example.com.', VENUE, { live: true, protocols: https })).toMatchObject({ ok: false, message: expect.stringMatching(/paper API/) });
    expect(checkEndpoint('URL', 'https://me@sandbox.example.com', VENUE, { live: false, protocols: https })).toMatchObject({ ok: false, message: expect.stringMatching(/user name or password/) });
    expect(checkEndpoint('URL', 'http://sandbox.example.com', VENUE, { live: false, protocols: https })).toMatchObject({ ok: false, message: expect.stringMatching(/only 127\.0\.0\.1/) });
    expect(checkEndpoint('URL', 'ftp://sandbox.example.com', VENUE, { live: false, protocols: https })).toMatchObject({ ok: false, message: expect.stringMatching(/must be a https: or http: URL/) });
  });
});
