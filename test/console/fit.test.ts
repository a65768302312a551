/** Item 6 of issue 10: numbers are never cut; columns give way by priority; k/M only when they must. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitColumns, fitNumber, fitText, numberForms } from '../../src/console/format.ts';

describe('fitNumber', () => {
  it('shows the full figure when it fits, k/M when it must, and never cuts', () => {
    expect(fitNumber(744.12, 'pnl', 10)).toBe('+744.12');
    expect(fitNumber(1_234_567.89, 'pnl', 13)).toBe('+1,234,567.89');
    expect(fitNumber(1_234_567.89, 'pnl', 10)).toBe('+1,234,568');
    expect(fitNumber(1_234_567.89, 'pnl', 7)).toBe('+1.235M');
    expect(fitNumber(1_234_567.89, 'pnl', 5)).toBe('+1.2M');
    expect(fitNumber(-12_345.6, 'money', 6)).toBe('-12.3k');
    // Too narrow for any form: the shortest whole form, wider than asked, never a cut one.
    expect(fitNumber(-12_345.6, 'money', 2)).toBe('-12k');
  });
  it('every form says the same number (property)', () => {
    fc.assert(fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: 1, max: 16 }), (n, w) => {
      const s = fitNumber(n, 'pnl', w);
      const forms = numberForms(n, 'pnl');
      expect(forms).toContain(s);
      if (s.length > w) expect(s).toBe(forms.reduce((a, b) => (b.length < a.length ? b : a)));
      const m = /^([+-]?)([\d,.]+)([kMB]?)$/.exec(s);
      expect(m).not.toBeNull();
      const v = Number(m![2]!.replace(/,/g, '')) * (m![3] === 'k' ? 1e3 : m![3] === 'M' ? 1e6 : m![3] === 'B' ? 1e9 : 1) * (m![1] === '-' ? -1 : 1);
      // Within the rounding of the form shown.
      expect(Math.abs(v - n)).toBeLessThanOrEqual(Math.max(0.006, Math.abs(n) * 0.0501));
    }));
  });
});

describe('fitColumns', () => {
  const cols = [
    { ideal: 8, min: 8, priority: 0 }, // symbol
    { ideal: 6, min: 3, priority: 0 }, // qty
    { ideal: 9, min: 6, priority: 3 }, // avg
    { ideal: 9, min: 6, priority: 2 }, // last
    { ideal: 10, min: 6, priority: 0 }, // unrealized
    { ideal: 10, min: 6, priority: 1 }, // realized
  ];
  it('keeps every column at its ideal width when there is room', () => {
    expect(fitColumns(cols, 80)).toEqual([8, 6, 9, 9, 10, 10]);
  });
  it('drops the lowest priority first (avg, then last), before shortening any number', () => {
    expect(fitColumns(cols, 47)).toEqual([8, 6, 0, 9, 10, 10]);
    expect(fitColumns(cols, 37)).toEqual([8, 6, 0, 0, 10, 10]);
  });
  it('shortens numbers toward their minimum only when the essential columns do not fit', () => {
    const w = fitColumns(cols, 30);
    expect(w.slice(2, 4)).toEqual([0, 0]);
    expect(w[5]).toBe(0); // realized went too, before anything was cut below its minimum
    expect(w.reduce((a, b) => a + b, 0) + w.filter((x) => x > 0).length - 1).toBeLessThanOrEqual(30);
    expect(w[4]).toBeGreaterThanOrEqual(6);
  });
  it('gives a flex column what is left, and drops it below its minimum', () => {
    const withReason = [...cols.slice(0, 2), { ideal: 40, min: 8, priority: 1, flex: true }];
    expect(fitColumns(withReason, 40)).toEqual([8, 6, 24]);
    expect(fitColumns(withReason, 20)).toEqual([8, 6, 0]);
  });
});

describe('fitText', () => {
  it('cuts free text at a word, never through a figure', () => {
    expect(fitText('SELL 1.56853 BTC-USD @ 60391.13 -> position 0', 30)).toBe('SELL 1.56853 BTC-USD @…'.padEnd(30));
    expect(fitText('short', 10)).toBe('short     ');
    expect(fitText('averyveryverylongwordwithoutspaces', 10)).toBe('averyvery…');
  });
});
