import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecording } from '../../src/recording/recording.ts';

const SAMPLE = join('sessions', readdirSync('sessions').find((n) => n.startsWith('sample-'))!, 'events.jsonl');
const text = readFileSync(SAMPLE, 'utf8');
const clean = parseRecording(text);

describe('a damaged recording opens with a clear warning and everything readable', () => {
  it('a torn last line', () => {
    const lines = text.split('\n');
    // Drop the end record and cut the line before it in half: the session died mid-write.
    const body = lines.slice(0, -2);
    const last = body.pop()!;
    const torn = `${body.join('\n')}\n${last.slice(0, Math.floor(last.length / 2))}`;
    const r = parseRecording(torn);
    expect(r.clean).toBe(false);
    expect(r.warnings.map((w) => w.kind)).toEqual(['torn']);
    expect(r.warnings[0]!.lines).toEqual([body.length + 1]);
    expect(r.warnings[0]!.message).toMatch(/torn/);
    expect(r.total).toBeGreaterThan(clean.total - 3);
    expect(r.stateAt(r.total - 1).account.equity).toBeTypeOf('number');
  });

  it('a garbage line in the middle and events of a kind from a newer version', () => {
    const lines = text.split('\n');
    lines.splice(500, 0, '{"k":"bar","t":17095');
    lines.splice(800, 0, 'garbage \u0000 here');
    lines.splice(1200, 0, '{"k":"prediction","t":1709550000000,"model":"m1","p":0.7}', '{"k":"prediction","t":1709550000000,"model":"m1","p":0.8}');
    lines.splice(1500, 0, '{"k":"bar","t":"yesterday","s":"BTC-USD"}');
    const r = parseRecording(lines.join('\n'));
    const byKind = Object.fromEntries(r.warnings.map((w) => [w.kind, w]));
    expect(byKind['garbage']!.lines).toEqual([501, 801]);
    expect(byKind['unknown']!.lines).toEqual([1201, 1202]);
    expect(byKind['unknown']!.message).toContain('"prediction"');
    expect(byKind['unknown']!.message).toContain('newer');
    expect(byKind['invalid']!.lines).toEqual([1501]);
    expect(r.total).toBe(clean.total);
    expect(r.clean).toBe(true);
    expect(JSON.stringify(r.stateAt(r.total - 1))).toBe(JSON.stringify(clean.stateAt(clean.total - 1)));
  });

  it('no header: a warning, events still readable', () => {
    const r = parseRecording(text.split('\n').slice(1).join('\n'));
    expect(r.header).toBeNull();
    expect(r.warnings[0]!.kind).toBe('header');
    expect(r.total).toBe(clean.total);
  });

  it('an empty file', () => {
    const r = parseRecording('');
    expect(r.total).toBe(0);
    expect(r.warnings[0]!.message).toMatch(/empty/);
  });
});
