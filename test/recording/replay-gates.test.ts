/**
 * Replay's gates pane shows the gate results the recording holds, as of the cursor: from the
 * result fields the gates log carries now, and from the log text in older recordings (the shipped
 * sample). Before the first gate reported, there are none.
 */
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReplayPlayer } from '../../src/console/replay-source.ts';
import { openRecording } from '../../src/recording/recording.ts';
import { spawnSync } from 'node:child_process';
import { cleanup, onlySession, tempDir } from './helpers.ts';

const gatesAt = (p: ReplayPlayer) => p.get().ops.gates.map((g) => ({ id: g.id, status: g.status, fix: g.fix }));

describe('replay gates', () => {
  it('a new recording: every gate with its status and fix, none before the first reported', async () => {
    const root = tempDir('parity-rgates-');
    try {
      // The gates run in the operations layer: a real `parity run` (headless, full speed) records them.
      const r = spawnSync('node', ['bin/parity.js', 'run', '--headless', '--speed', 'max', '--sessions-dir', join(root, 'sessions'), '--state-dir', join(root, 'state')], {
        env: { ...process.env, PARITY_RUNTIME_DIR: join(root, 'rt') }, encoding: 'utf8', timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const rec = openRecording(onlySession(join(root, 'sessions')));
      expect(gatesAt(new ReplayPlayer(rec, { start: 0 }))).toEqual([]);
      const end = gatesAt(new ReplayPlayer(rec, { start: rec.total - 1 }));
      expect(end.map((g) => g.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'warn', 'pass']); // the last: venue eligibility (no rules govern the simulator)
      expect(end[5]!.fix).toMatch(/risk\.maxOrderNotional/);
    } finally { cleanup(root); }
  }, 60_000);

  it('the shipped sample (recorded before the fields): read from the log text', () => {
    const dir = join('sessions', readdirSync('sessions').find((n) => n.startsWith('sample-'))!);
    const rec = openRecording(dir);
    const g = new ReplayPlayer(rec, { start: rec.total - 1 }).get().ops.gates;
    expect(g.map((x) => `${x.status} ${x.title}`)).toEqual(['pass Environment', 'pass Clock skew', 'pass Authentication', 'pass State coherence', 'pass Market context', 'warn Risk limits']);
  });
});
