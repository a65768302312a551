/** Gates that ask the venue: clock skew, authentication, startup reconciliation. */
import { withTimeout } from '../../ports/scheduler.ts';
import { type Gate, fail, pass, th, warn } from './types.ts';

export const clockSkewGate: Gate = {
  id: 'clock',
  title: 'Clock skew',
  async check(ctx) {
    if (ctx.execution.capabilities.simulated) return pass('simulated venue: its clock is engine time');
    const q = ctx.execution.queries;
    if (q === undefined) return warn('the venue has no clock to compare with', 'keep the machine on NTP (timedatectl)');
    try {
      const before = ctx.wallNow();
      const venue = await withTimeout(ctx.engine.scheduler, q.time(), 5000, 'venue time');
      const after = ctx.wallNow();
      const skew = venue - (before + after) / 2;
      const t = th(ctx);
      const d = `${skew >= 0 ? '+' : ''}${Math.round(skew)} ms against the venue (round trip ${after - before} ms)`;
      if (Math.abs(skew) > t.clockSkewFailMs) return fail(d, 'sync the clock (timedatectl set-ntp true; chronyc makestep)');
      if (Math.abs(skew) > t.clockSkewWarnMs) return warn(d, 'check NTP: timestamps and day boundaries depend on it');
      return pass(d);
    } catch (err) {
      return fail(`cannot read the venue's time: ${(err as Error).message}`, 'check the network and the venue status page');
    }
  },
};

export const authGate: Gate = {
  id: 'auth',
  title: 'Authentication',
  async check(ctx) {
    if (ctx.execution.capabilities.simulated) return pass('simulated venue: no keys needed');
    const q = ctx.execution.queries;
    if (q === undefined) return fail('the venue adapter cannot query the account', 'use an adapter with account queries');
    try {
      const a = await withTimeout(ctx.engine.scheduler, q.account(), 10_000, 'account query');
      if (a.status !== 'active') return fail(`account ${a.accountId} is ${a.status}`, 'check the account at the broker');
      if (ctx.mode === 'live' && !a.live) return fail(`account ${a.accountId} is a paper account, but this is a live session`, 'use live keys or drop --live');
      if (ctx.mode === 'paper' && a.live) return fail(`account ${a.accountId} trades real money, but this is a paper session`, 'use paper keys, or run with --live');
      return pass(`account ${a.accountId} active (${a.live ? 'LIVE' : 'paper'}), equity ${a.equity.toFixed(2)} ${a.currency}`);
    } catch (err) {
      return fail(`account not reachable: ${(err as Error).message}`, 'check the API keys in .env and the network');
    }
  },
};

export const stateCoherenceGate: Gate = {
  id: 'state',
  title: 'State coherence',
  async check(ctx) {
    if (ctx.reconcile === null) {
      if (ctx.execution.capabilities.simulated) return pass('fresh simulated venue: nothing to reconcile');
      const d = 'reconciliation not available for this venue';
      return ctx.mode === 'live' ? fail(d, 'use a venue adapter with reconciliation') : warn(d, 'compare orders and positions with the broker by hand');
    }
    try {
      const r = await withTimeout(ctx.engine.scheduler, ctx.reconcile(), 15_000, 'reconciliation');
      if (r.clean) return pass('startup reconciliation clean: books agree with the venue');
      return fail(`books differ from the venue${r.status === 'confirmed' ? ' (confirmed by a re-check)' : ''}: ${r.lines.slice(0, 3).join('; ')}${r.lines.length > 3 ? ` (+${r.lines.length - 3})` : ''}`,
        "review the reconciliation pane; accept the venue's state (a a, or parity ctl accept-venue: the gates re-run by themselves) or fix it at the venue and re-run gates (g)");
    } catch (err) {
      return fail(`reconciliation failed: ${(err as Error).message}`, 'check the venue connection, then re-run gates (g)');
    }
  },
};
