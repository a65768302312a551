/**
 * TWS real-time bars are 5-second bars; the data is one-minute bars. Each minute is cut into twelve
 * 5-second bars along open -> low -> high -> close (high before low on a down minute) that fold back
 * into the minute exactly: the first open, the highest high, the lowest low, the last close and the
 * summed volume are the minute's own. All twelve go out when the replay plays the minute.
 */
import type { Bar } from '../../domain/market.ts';

export interface RtBar { readonly timeSec: number; readonly open: number; readonly high: number; readonly low: number; readonly close: number; readonly volume: number; readonly wap: number }

const PARTS = 12;
const PER_LEG = 4;

/** Between a and b, on the 0.01 grid when both ends are, never outside [a, b]. */
function along(a: number, b: number, f: number): number {
  const x = Math.round((a + (b - a) * f) * 1e8) / 1e8;
  const onGrid = Math.abs(a * 100 - Math.round(a * 100)) < 1e-6 && Math.abs(b * 100 - Math.round(b * 100)) < 1e-6;
  const y = onGrid ? Math.round(x * 100) / 100 : x;
  return Math.min(Math.max(y, Math.min(a, b)), Math.max(a, b));
}

export function fiveSecondBars(b: Bar): RtBar[] {
  const up = b.close >= b.open;
  const way = [b.open, up ? b.low : b.high, up ? b.high : b.low, b.close];
  const whole = Number.isInteger(b.volume);
  const base = whole ? Math.floor(b.volume / PARTS) : b.volume / PARTS;
  const extra = whole ? b.volume - base * PARTS : 0;
  const out: RtBar[] = [];
  let volLeft = b.volume;
  for (let k = 0; k < PARTS; k++) {
    const leg = Math.floor(k / PER_LEG);
    const j = k % PER_LEG;
    const a = way[leg]!;
    const z = way[leg + 1]!;
    const open = j === 0 ? a : along(a, z, j / PER_LEG);
    const close = j === PER_LEG - 1 ? z : along(a, z, (j + 1) / PER_LEG);
    const volume = k === PARTS - 1 ? volLeft : base + (k < extra ? 1 : 0);
    volLeft -= volume;
    out.push({ timeSec: Math.floor(b.ts / 1000) + 5 * k, open, high: Math.max(open, close), low: Math.min(open, close), close, volume, wap: Math.round(((open + close) / 2) * 1e6) / 1e6 });
  }
  return out;
}
