/**
 * Fractions and rates in the config have sane ranges, and the error says the range: `priceCollar: 7`
 * (700%) is a unit mistake (7 for 0.07), not a setting.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.ts';
import { loadConfig } from '../../src/config/load.ts';

const refused = (cfg: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pcfg-'));
  writeFileSync(join(dir, 'parity.config.json'), JSON.stringify(cfg));
  try {
    loadConfig(undefined, {}, dir);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(cfg)}`);
};
const ok = (cfg: unknown) => expect(ConfigSchema.safeParse(cfg).success, JSON.stringify(cfg)).toBe(true);

describe('config bounds', () => {
  it('risk.priceCollar is a fraction in (0, 0.5]', () => {
    expect(refused({ risk: { priceCollar: 7 } })).toMatch(/risk\.priceCollar: .*\(0, 0\.5\].*got 7/);
    expect(refused({ risk: { priceCollar: 0.51 } })).toMatch(/risk\.priceCollar: .*\(0, 0\.5\]/);
    expect(refused({ risk: { priceCollar: 0 } })).toMatch(/risk\.priceCollar: .*\(0, 0\.5\]/);
    expect(refused({ risk: { priceCollar: -0.1 } })).toMatch(/\(0, 0\.5\]/);
    ok({ risk: { priceCollar: 0.05 } });
    ok({ risk: { priceCollar: 0.5 } });
  });

  it('venue.volumeShare is a fraction in (0, 1], or null', () => {
    expect(refused({ venue: { volumeShare: 1.5 } })).toMatch(/venue\.volumeShare: .*\(0, 1\].*got 1\.5/);
    expect(refused({ venue: { volumeShare: 0 } })).toMatch(/venue\.volumeShare: .*\(0, 1\]/);
    ok({ venue: { volumeShare: 1 } });
    ok({ venue: { volumeShare: null } });
  });

  it('slippage: a spread share in [0, 1], bps in [0, 1000]', () => {
    expect(refused({ venue: { slippage: { kind: 'spread', share: 2 } } })).toMatch(/venue\.slippage\.share: .*\[0, 1\].*got 2/);
    expect(refused({ venue: { slippage: { kind: 'bps', bps: 5000 } } })).toMatch(/venue\.slippage\.bps: .*\[0, 1000\].*got 5000/);
    expect(refused({ venue: { slippage: { kind: 'bps', bps: -1 } } })).toMatch(/\[0, 1000\]/);
    ok({ venue: { slippage: { kind: 'bps', bps: 1000 } } });
    ok({ venue: { slippage: { kind: 'spread', share: 0 } } });
  });

  it('commission rates in bps are in [0, 1000]', () => {
    expect(refused({ venue: { commission: { model: 'bps', bps: 2500 } } })).toMatch(/venue\.commission\.bps: .*\[0, 1000\].*got 2500/);
    expect(refused({ venue: { commission: { model: 'crypto', makerBps: 8, takerBps: 1e6 } } })).toMatch(/venue\.commission\.takerBps: .*\[0, 1000\]/);
    expect(refused({ venue: { commission: { model: 'crypto', makerBps: 1001, takerBps: 10 } } })).toMatch(/venue\.commission\.makerBps/);
    ok({ venue: { commission: { model: 'crypto', makerBps: 8, takerBps: 10 } } });
  });

  it('the defaults still parse', () => {
    ok({});
  });
});
