/**
 * The real Deribit session (src/modes/ccxt.ts) against the hostile Deribit server: a venue clock
 * minutes ahead (its login refuses our timestamp as 13004 invalid_credentials) must stop the start
 * with words about the clock, not "refused the keys"; a login refused for real still says the keys.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCcxt } from '../../src/modes/ccxt.ts';
import { DERIBIT_PROFILE } from '../../src/venues/ccxt/profile-deribit.ts';
import { ConfigSchema } from '../../src/config/schema.ts';
import { CREDS, startDeribitHostile, type DeribitHostile } from './deribit-hostile-server.ts';
import { leaks } from './deribit-harness.ts';

const API = resolve(import.meta.dirname, '../../src/api.ts');
const STRATEGY = `import { defineStrategy, z } from '${API}';
export default defineStrategy({ name: 'idle', description: 'does nothing', params: z.object({}), create() { return { onBar() {} }; } });
`;

let h: DeribitHostile | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

function start() {
  const dir = mkdtempSync(join(tmpdir(), 'parity-deribit-hostile-'));
  writeFileSync(join(dir, 'idle.ts'), STRATEGY);
  const config = ConfigSchema.parse({
    strategy: { file: join(dir, 'idle.ts'), typecheck: false }, run: { sessionsDir: join(dir, 'sessions') },
    deribit: { symbols: ['BTC/USDC:USDC'] },
  });
  const env = { DERIBIT_API_KEY: CREDS.apiKey, DERIBIT_SECRET: CREDS.secret, DERIBIT_BASE_URL: h!.restUrl, DERIBIT_WS_URL: h!.wsUrl };
  return startCcxt(DERIBIT_PROFILE, config, [], { live: false, env, stateDir: join(dir, 'state'), heartbeatMs: 0, billsPollMs: 0, reconcilePeriodMs: 0 }).then(() => null, (e: unknown) => e);
}

describe('Deribit session start against a hostile venue', () => {
  it('the venue\'s clock five minutes ahead: start-up says the clock is off and by how much, not that the keys were refused', async () => {
    h = await startDeribitHostile();
    h.skewMs = 300_000;
    const err = await start();
    expect(String(err)).toMatch(/clock is 30\d\.\d s behind/);
    expect(String(err)).not.toMatch(/refused the keys/);
    expect(leaks(String(err))).toEqual([]);
  }, 15_000);

  it('a login refused with the clocks agreeing still says the keys, naming no key', async () => {
    h = await startDeribitHostile();
    h.scripts.push((m, p) => (m === 'public/auth' ? { error: { code: 13004, message: 'invalid_credentials', data: { reason: `unknown client_id ${String(p['client_id'])}` } } } : undefined));
    const err = await start();
    expect(String(err)).toMatch(/refused the keys/);
    expect(leaks(String(err))).toEqual([]);
  }, 15_000);
});
