// Budget: 40 s for this file on the 2-core CI machine (31 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecording } from '../../src/recording/recording.ts';
import { rerunRecording } from '../../src/modes/rerun.ts';
import { cleanup, paperConfig, recordSession, tempDir } from './helpers.ts';

const SAMPLE = join('sessions', readdirSync('sessions').find((n) => n.startsWith('sample-'))!);

describe('re-run', () => {
  it('the shipped sample re-runs decision for decision', async () => {
    const rec = openRecording(SAMPLE);
    expect(rec.warnings).toEqual([]);
    const r = await rerunRecording(rec);
    expect(r.recordedDecisions).toBeGreaterThan(50);
    expect(r.difference).toBeNull();
    expect(r.match).toBe(true);
    expect(r.matched).toBe(r.recordedDecisions);
    expect(r.strategy.changed).toBe(false);
  });

  it('a changed parameter reports the first differing decision', async () => {
    const rec = openRecording(SAMPLE);
    const r = await rerunRecording(rec, { params: { fast: 12 } });
    expect(r.match).toBe(false);
    const d = r.difference!;
    expect(d.recorded).not.toBeNull();
    expect(d.rerun).not.toBeNull();
    // The first recorded decision that differs, at its place in the recording.
    const first = rec.findNext(-1, 'decision')!;
    let k = first;
    for (let n = 1; n < d.number; n++) k = rec.findNext(k, 'decision')!;
    expect(d.recorded!.eventIndex).toBe(k);
    expect(d.recorded!.t).toBe(rec.timeOf(k));
    expect(d.recorded!.text).not.toBe(d.rerun!.text);
  });

  describe('limit orders, replaces, cancels and latency', () => {
    let dir: string;
    let sessionDir: string;
    beforeAll(async () => {
      dir = tempDir();
      const p = await recordSession(paperConfig(dir, {
        strategy: { file: 'test/recording/fixtures/chaser.ts' },
        venue: { latency: { submitMs: 20_000, ackMs: 5_000 }, commission: { model: 'bps', bps: 2 } },
      }));
      sessionDir = p.session.dir;
    });
    afterAll(() => cleanup(dir));

    it('matches when nothing changed', async () => {
      const r = await rerunRecording(openRecording(sessionDir));
      expect(r.recordedDecisions).toBeGreaterThan(500);
      expect(r.difference).toBeNull();
    });

    it('reports a changed strategy file at its first different decision', async () => {
      const src = readFileSync('test/recording/fixtures/chaser.ts', 'utf8');
      // Cancel one bar later than the recording did.
      const changed = src.replace('bars % p.every === 0', 'bars % p.every === 1');
      expect(changed).not.toBe(src);
      // Inside the checkout (tmp/ is ignored by git) so that `import ... from 'parity'` resolves.
      mkdirSync('tmp', { recursive: true });
      const file = join('tmp', `chaser-changed-${process.pid}.ts`);
      writeFileSync(file, changed);
      const r = await rerunRecording(openRecording(sessionDir), { strategyFile: file }).finally(() => rmSync(file, { force: true }));
      expect(r.strategy.changed).toBe(true);
      expect(r.match).toBe(false);
      expect(r.difference!.number).toBeGreaterThan(1);
      expect([r.difference!.recorded?.decision.op, r.difference!.rerun?.decision.op]).toContain('cancel');
    });

    it('exits 0 on a match, 1 on a difference, 2 on an unreadable recording', () => {
      const run = (...args: string[]) => spawnSync(process.execPath, ['bin/parity.js', 'replay', ...args], { encoding: 'utf8' });
      const ok = run(sessionDir, '--rerun');
      expect(ok.stdout).toContain('MATCH');
      expect(ok.status).toBe(0);
      const diff = run(sessionDir, '--rerun', '--param', 'offset=16');
      expect(diff.stdout).toContain('DIFFERENT at decision 1');
      expect(diff.status).toBe(1);
      const bad = join(dir, 'bad');
      mkdirSync(bad);
      writeFileSync(join(bad, 'events.jsonl'), 'this is not a recording\n');
      const unreadable = run(bad, '--rerun');
      expect(unreadable.status).toBe(2);
      expect(run(join(dir, 'no-such-session'), '--rerun').status).toBe(2);
      const json = run(sessionDir, '--rerun', '--json');
      expect({ status: json.status, signal: json.signal, error: json.error?.message, stderr: json.stderr }).toEqual({ status: 0, signal: null, error: undefined, stderr: '' });
      expect(JSON.parse(json.stdout).match).toBe(true);
      copyFileSync(join(sessionDir, 'events.jsonl'), join(dir, 'copy.jsonl'));
      expect(run(join(dir, 'copy.jsonl'), '--rerun').status).toBe(0);
    }, 120_000); // six CLI starts: about 25 s idle, near 60 s with the suite's other workers beside it
  });
});
