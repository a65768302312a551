/** Pure formatting for the panes: fixed-width cells, money, quantities, ages, times. */

export function fit(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  if (w <= 0) return '';
  if (s.length > w) return w === 1 ? '…' : `${s.slice(0, w - 1)}…`;
  return align === 'left' ? s.padEnd(w) : s.padStart(w);
}

export function money(n: number, signed = false): string {
  if (!Number.isFinite(n)) return '-';
  const s = Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const sign = n < 0 ? '-' : signed && n > 0 ? '+' : '';
  return `${sign}${s}`;
}

export function qty(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return Number(n.toPrecision(12)).toString();
}

export function price(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n) || n === 0) return '-';
  return Number(n.toPrecision(12)).toFixed(Math.abs(n) >= 1000 ? 2 : Math.abs(n) >= 1 ? 2 : 6);
}

export function age(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}`;
  return `${Math.floor(h / 24)}d`;
}

/** 2024-03-04 12:34:56Z */
export function clock(ts: number | null): string {
  if (ts === null || !Number.isFinite(ts)) return '----------  --:--:--';
  return new Date(ts).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

export function hms(ts: number): string {
  if (!Number.isFinite(ts)) return '--:--:--';
  return new Date(ts).toISOString().slice(11, 19);
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A block-character chart of the last values, `height` rows of `width` columns (top row first). */
export function sparkRows(values: readonly number[], width: number, height: number): string[] {
  if (width <= 0 || height <= 0) return [];
  const src = bucket(values, width);
  if (src.length === 0) return Array.from({ length: height }, () => ''.padEnd(width));
  let lo = Math.min(...src);
  let hi = Math.max(...src);
  if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
  const levels = height * 8;
  const rows: string[] = [];
  for (let r = 0; r < height; r++) {
    let line = '';
    const base = (height - 1 - r) * 8;
    for (const v of src) {
      const lvl = Math.max(1, Math.round(((v - lo) / (hi - lo)) * (levels - 1)) + 1);
      const fill = Math.min(8, Math.max(0, lvl - base));
      line += fill === 0 ? ' ' : BLOCKS[fill - 1];
    }
    rows.push(line.padEnd(width));
  }
  return rows;
}

/** At most `n` points: the last values, averaged into buckets when there are more. */
function bucket(values: readonly number[], n: number): number[] {
  if (values.length <= n) return values.slice();
  const out: number[] = [];
  const size = values.length / n;
  for (let i = 0; i < n; i++) {
    const a = Math.floor(i * size);
    const b = Math.max(a + 1, Math.floor((i + 1) * size));
    let s = 0;
    for (let j = a; j < b; j++) s += values[j]!;
    out.push(s / (b - a));
  }
  return out;
}
