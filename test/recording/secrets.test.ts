import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine, EngineObserver } from '../../src/engine/engine.ts';
import { REDACTED, redact, scrub, secretValuesFromEnv } from '../../src/recording/redact.ts';
import { cleanup, paperConfig, recordSession, tempDir } from './helpers.ts';

const FAKE = {
  APCA_API_KEY_ID: 'PKFAKE7Q3ZK2M9X4TEST',
  APCA_API_SECRET_KEY: 'fakeSecret0x9aB3cD4eF5gH6iJ7kL8mN9oP0qR',
  OKX_PASSPHRASE: 'correct horse battery 42',
  IBKR_PASSWORD: 'hunter2-but-longer',
  SOME_API_TOKEN: 'tok_live_5f3c2b1a09876543',
};

describe('no key material reaches a recording', () => {
  const dir = tempDir();
  const saved: Record<string, string | undefined> = {};
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    cleanup(dir);
  });

  it('a session run with fake keys in the environment contains none of them', async () => {
    for (const [k, v] of Object.entries(FAKE)) { saved[k] = process.env[k]; process.env[k] = v; }
    // An adapter that echoes its credentials in an error (it happens) and a strategy log with a token.
    let once = false;
    const leaky: EngineObserver = {
      onMarket(_ev, engine: Engine) {
        if (once) return;
        once = true;
        engine.log('error', 'alpaca', `401 for key ${FAKE.APCA_API_KEY_ID} with secret ${FAKE.APCA_API_SECRET_KEY}`, { headers: { 'APCA-API-SECRET-KEY': FAKE.APCA_API_SECRET_KEY, pass: FAKE.OKX_PASSPHRASE } });
        engine.log('warn', 'ibkr', `login "${FAKE.IBKR_PASSWORD}" refused; token ${FAKE.SOME_API_TOKEN}`);
      },
    };
    const p = await recordSession(paperConfig(dir), [leaky]);
    const files = readdirSync(p.session.dir);
    expect(files).toContain('events.jsonl');
    let all = '';
    for (const f of files) all += readFileSync(join(p.session.dir, f), 'utf8');
    for (const v of Object.values(FAKE)) expect(all.includes(v)).toBe(false);
    // The lines are still there, with the secrets replaced.
    expect(all).toContain(`401 for key ${REDACTED} with secret ${REDACTED}`);
  });

  it('redacts secret-looking keys and values in the config', () => {
    const cfg = {
      venue: { name: 'alpaca', keyId: 'PK123', apiSecret: 'abc', auth: { token: 't' }, password: 'p', privateKey: 'k' },
      data: { files: ['data/sample/BTC-USD-1m.csv'] },
      note: 'AKIAIOSFODNN7EXAMPLE0123',
      run: { sessionsDir: 'sessions', speed: 300 },
      flags: { replace: true },
    };
    const r = redact(cfg) as typeof cfg;
    expect(r.venue).toEqual({ name: 'alpaca', keyId: REDACTED, apiSecret: REDACTED, auth: REDACTED, password: REDACTED, privateKey: REDACTED });
    expect(r.note).toBe(REDACTED);
    expect(r.data.files).toEqual(['data/sample/BTC-USD-1m.csv']);
    expect(r.run).toEqual({ sessionsDir: 'sessions', speed: 300 });
    expect(r.flags.replace).toBe(true);
  });

  it('scrubs secret env values, also in their JSON-escaped form', () => {
    const s = secretValuesFromEnv({ MY_SECRET: 'a"b\\c-secret-value', HOME: '/root', SHORT_KEY: 'abc' });
    expect(s).toEqual(['a"b\\c-secret-value']);
    expect(scrub(JSON.stringify({ msg: 'x a"b\\c-secret-value y' }), s)).toBe(`{"msg":"x ${REDACTED} y"}`);
  });
});
