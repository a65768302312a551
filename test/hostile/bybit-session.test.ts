/**
 * The real Bybit session (src/modes/ccxt.ts) against the hostile Bybit server: an execution for an
 * orderLinkId we never issued must not move our position, and the trader is told; a clock the venue
 * refuses stops the start with words about the clock.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCcxt, type CcxtSession } from '../../src/modes/ccxt.ts';
import { BYBIT_PROFILE } from '../../src/venues/ccxt/profile-bybit.ts';
import { ConfigSchema } from '../../src/config/schema.ts';
import { CREDS, execRow, startBybitHostile, type BybitHostile } from './bybit-hostile-server.ts';
import { leaks, until } from './bybit-harness.ts';

const API = resolve(import.meta.dirname, '../../src/api.ts');
const STRATEGY = `import { defineStrategy, z } from '${API}';
export default defineStrategy({ name: 'idle', description: 'does nothing', params: z.object({}), create() { return { onBar() {} }; } });
`;

let h: BybitHostile | undefined;
let session: CcxtSession | undefined;
afterEach(async () => {
  session?.engine.stop();
  await session?.engine.execution.disconnect();
  await session?.done.catch(() => undefined);
  await h?.close();
  session = undefined;
  h = undefined;
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'parity-bybit-hostile-'));
  writeFileSync(join(dir, 'idle.ts'), STRATEGY);
  const config = ConfigSchema.parse({
    strategy: { file: join(dir, 'idle.ts'), typecheck: false }, run: { sessionsDir: join(dir, 'sessions') },
    bybit: { symbols: ['BTC/USDT:USDT'], deadMan: { enabled: false } },
  });
  const env = { BYBIT_API_KEY: CREDS.apiKey, BYBIT_SECRET: CREDS.secret, BYBIT_BASE_URL: h!.restUrl, BYBIT_WS_URL: h!.wsUrl };
  return { dir, config, env };
}

describe('Bybit session against a hostile venue', () => {
  it('an execution for an orderLinkId we never issued is not booked into our position, and the trader is told', async () => {
    h = await startBybitHostile();
    const { dir, config, env } = setup();
    const logs: string[] = [];
    session = await startCcxt(BYBIT_PROFILE, config, [{ onLog: (e) => { logs.push(`${e.level} ${e.message}`); } }], { live: false, env, stateDir: join(dir, 'state'), heartbeatMs: 0, billsPollMs: 0, reconcilePeriodMs: 0 });
    await session.recovered;
    await until('the private socket', () => h!.subscribed('execution') > 0, 5000);
    h.push('execution', [execRow({ execId: 'x-foreign-1', orderId: 'o-foreign', orderLinkId: 'someoneElse0001', execQty: '3', execPrice: '50000', execTime: String(Date.now()) })]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(session.engine.portfolio.position('BTC/USDT:USDT').qty).toBe(0);
    expect(logs.some((l) => /someoneElse0001|o-foreign|x-foreign-1/.test(l))).toBe(true);
    expect(leaks(logs.join('\n'))).toEqual([]);
  }, 15_000);

  it('our clock a minute off the venue\'s (10002): start-up refuses with words about the clock, and no key', async () => {
    h = await startBybitHostile();
    h.skewMs = 60_000;
    const { dir, config, env } = setup();
    const err = await startCcxt(BYBIT_PROFILE, config, [], { live: false, env, stateDir: join(dir, 'state'), heartbeatMs: 0, billsPollMs: 0, reconcilePeriodMs: 0 }).then(() => null, (e: unknown) => e);
    expect(String(err)).toMatch(/clock/i);
    expect(leaks(String(err))).toEqual([]);
  }, 15_000);
});
