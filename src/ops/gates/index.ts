/** The gate runner: every gate, each with a time limit; a gate that throws fails with the reason. */
import { withTimeout } from '../../ports/scheduler.ts';
import { eligibilityGate } from './eligibility.ts';
import { environmentGate } from './environment.ts';
import { marketGate, riskLimitsGate } from './market.ts';
import type { Gate, GateContext, GateResult } from './types.ts';
import { authGate, clockSkewGate, stateCoherenceGate } from './venue.ts';

export * from './types.ts';

export const DEFAULT_GATES: readonly Gate[] = [environmentGate, clockSkewGate, authGate, stateCoherenceGate, marketGate, riskLimitsGate, eligibilityGate];

export async function runGates(ctx: GateContext, gates: readonly Gate[] = DEFAULT_GATES, timeoutMs = 20_000): Promise<GateResult[]> {
  return Promise.all(gates.map(async (g): Promise<GateResult> => {
    try {
      const r = await withTimeout(ctx.engine.scheduler, Promise.resolve(g.check(ctx)), timeoutMs, 'the check');
      return { id: g.id, title: g.title, ...r };
    } catch (err) {
      return { id: g.id, title: g.title, status: 'fail', detail: `the check itself failed: ${(err as Error).message}`, fix: 'see the error; re-run gates (g) once fixed' };
    }
  }));
}

/** The reason the engine is halted while gates fail (null: none fail). */
export function gateHoldReason(results: readonly GateResult[]): string | null {
  const failed = results.filter((r) => r.status === 'fail');
  if (failed.length === 0) return null;
  return failed.map((f) => `pre-flight gate ${f.title} failed: ${f.detail}`).join('; ');
}
