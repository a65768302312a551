/** A venue-eligibility refusal reads whole at 80x24: the rule's id and its source's address are never cut. */
import { afterEach, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../src/console/app.tsx';
import { eligibilityGate } from '../../src/ops/gates/eligibility.ts';
import { gateHoldReason } from '../../src/ops/gates/index.ts';
import type { GateContext } from '../../src/ops/gates/types.ts';
import { StaticSource, snapshot, tick } from './fixtures.ts';

afterEach(() => cleanup());

it('the halt reason names the rule and its source in full on the message rows', async () => {
  // Only what the gate reads: the mode, the venue's name, the jurisdiction and the day.
  const ctx = { mode: 'live', execution: { venue: 'okx' }, engine: { now: () => Date.UTC(2026, 11, 1) }, instruments: [], jurisdiction: 'US', wallNow: () => Date.UTC(2026, 11, 1) } as unknown as GateContext;
  const r = await eligibilityGate.check(ctx);
  const reason = gateHoldReason([{ id: eligibilityGate.id, title: eligibilityGate.title, ...r }])!;
  const snap = snapshot({ trading: { status: 'halted', reason, since: 0 } });
  const app = render(<App source={new StaticSource(snap)} mode="live" keys={{ quit: () => {} }} size={{ columns: 80, rows: 24 }} colors={false} />);
  await tick();
  const f = app.lastFrame() ?? '';
  const flat = f.split('\n').map((l) => l.trim()).join(' ');
  expect(flat).toContain('us-okx-global');
  expect(flat).toContain('https://www.okx.com/help/terms-of-service');
  expect(flat).toContain('checked 2026-11-23');
  for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
});
