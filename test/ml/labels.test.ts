import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LabelError, forwardReturnLabels, formatLabel, parseLabel } from '../../src/ml/labels.ts';

describe('parseLabel', () => {
  it('reads fwd-return:H:THRESH', () => {
    expect(parseLabel('fwd-return:10:0')).toEqual({ kind: 'fwd-return', horizon: 10, threshold: 0 });
    expect(parseLabel('fwd-return:1:-0.002')).toEqual({ kind: 'fwd-return', horizon: 1, threshold: -0.002 });
    expect(parseLabel('fwd-return:15:1e-3')).toEqual({ kind: 'fwd-return', horizon: 15, threshold: 0.001 });
  });

  it.each([
    ['fwd-return:0:0', /horizon H must be a whole number of bars >= 1/],
    ['fwd-return:2.5:0', /horizon H/],
    ['fwd-return:-3:0', /horizon H/],
    ['fwd-return:5:', /threshold must be a number/],
    ['fwd-return:5:abc', /threshold must be a number/],
    ['fwd-return:5:Infinity', /threshold must be a number/],
    ['fwd-return:5', /not of the form fwd-return:H:THRESH/],
    ['return:5:0', /not of the form/],
    ['fwd-return:5:0:1', /not of the form/],
  ])('refuses %s, saying the form', (text, msg) => {
    expect(() => parseLabel(text)).toThrow(LabelError);
    expect(() => parseLabel(text)).toThrow(msg);
  });

  it('formatLabel reads back to the same spec', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), (h, t) => {
      const spec = { kind: 'fwd-return' as const, horizon: h, threshold: t };
      expect(parseLabel(formatLabel(spec))).toEqual({ ...spec, threshold: t === 0 ? 0 : t });
    }));
  });
});

describe('forwardReturnLabels', () => {
  it('labels row t from close[t+H], drops the last H rows, carries the window [ts[t+1], ts[t+H]]', () => {
    const ts = [0, 60, 120, 180, 240, 300];
    const close = [100, 101, 99, 100.5, 100, 102];
    const l = forwardReturnLabels(ts, close, { kind: 'fwd-return', horizon: 2, threshold: 0 });
    // 99/100-1 < 0; 100.5/101-1 < 0; 100/99-1 > 0; 102/100.5-1 > 0
    expect(l.rows).toBe(4);
    expect([...l.label]).toEqual([0, 0, 1, 1]);
    expect([...l.windowStart]).toEqual([60, 120, 180, 240]);
    expect([...l.windowEnd]).toEqual([120, 180, 240, 300]);
  });

  it('the threshold is strict, in doubles', () => {
    const l = forwardReturnLabels([0, 1], [100, 101], { kind: 'fwd-return', horizon: 1, threshold: 101 / 100 - 1 });
    expect([...l.label]).toEqual([0]);
    const m = forwardReturnLabels([0, 1], [100, 101], { kind: 'fwd-return', horizon: 1, threshold: 0.0099 });
    expect([...m.label]).toEqual([1]);
  });

  it('fewer bars than the horizon give no rows', () => {
    expect(forwardReturnLabels([0, 1], [1, 2], { kind: 'fwd-return', horizon: 2, threshold: 0 }).rows).toBe(0);
    expect(forwardReturnLabels([0, 1], [1, 2], { kind: 'fwd-return', horizon: 5, threshold: 0 }).rows).toBe(0);
  });

  it('the label window always starts after the row and spans exactly H rows', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (close, h) => {
      const ts = close.map((_, i) => 1000 + i * 60_000 + (i % 3) * 7); // increasing, uneven
      const l = forwardReturnLabels(ts, close, { kind: 'fwd-return', horizon: h, threshold: 0 });
      expect(l.rows).toBe(Math.max(0, close.length - h));
      for (let t = 0; t < l.rows; t++) {
        expect(l.windowStart[t]).toBe(ts[t + 1]);
        expect(l.windowEnd[t]).toBe(ts[t + h]);
        expect(l.windowStart[t]!).toBeGreaterThan(ts[t]!);
        expect(l.label[t]).toBe(close[t + h]! / close[t]! - 1 > 0 ? 1 : 0);
      }
    }));
  });
});
