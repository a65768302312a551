/** account.jurisdiction: an ISO 3166 code ('US', 'DE', 'US-NY'); anything else is refused by name. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';

const load = (cfg: unknown) => {
  const dir = mkdtempSync(join(tmpdir(), 'pcfg-'));
  writeFileSync(join(dir, 'parity.config.json'), JSON.stringify(cfg));
  return loadConfig(undefined, {}, dir).config;
};

describe('account.jurisdiction', () => {
  it('is optional (unset by default) and takes ISO country codes and subdivisions, in any case', () => {
    expect(load({}).account.jurisdiction).toBeUndefined();
    expect(load({ account: { jurisdiction: 'US' } }).account.jurisdiction).toBe('US');
    expect(load({ account: { jurisdiction: 'de' } }).account.jurisdiction).toBe('DE');
    expect(load({ account: { jurisdiction: 'US-NY' } }).account.jurisdiction).toBe('US-NY');
  });

  it('refuses an unknown code, saying what it takes (and UK is GB)', () => {
    expect(() => load({ account: { jurisdiction: 'XX' } })).toThrow(/account\.jurisdiction: .*"XX".*ISO 3166/);
    expect(() => load({ account: { jurisdiction: 'UK' } })).toThrow(/account\.jurisdiction: .*GB/);
    expect(() => load({ account: { jurisdiction: 'Germany' } })).toThrow(/account\.jurisdiction/);
    expect(() => load({ account: { jurisdiction: 'EU' } })).toThrow(/account\.jurisdiction: .*country/);
  });
});
