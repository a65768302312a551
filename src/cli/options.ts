/** Flag parsing shared by the commands: repeatable flags, times, numbers. */
import { UsageError } from './errors.ts';

/** Collector for repeatable flags (`--data a --data b`): each takes exactly one value. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function parseNumberFlag(name: string, min = Number.NEGATIVE_INFINITY) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`--${name} takes a number${min > Number.NEGATIVE_INFINITY ? ` >= ${min}` : ''}, got "${value}"`);
    return n;
  };
}

/** ISO-8601 with an offset, a plain date (UTC midnight) or epoch milliseconds. */
export function parseTimeFlag(name: string) {
  return (value: string): number => {
    if (/^\d{12,}$/.test(value)) return Number(value);
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(`${value}T00:00:00Z`);
    if (!/(Z|[+-]\d{2}:?\d{2})$/.test(value)) throw new UsageError(`--${name} needs a time with an offset (2024-03-04T09:30:00Z), a date (2024-03-04) or epoch ms, got "${value}"`);
    const t = Date.parse(value);
    if (Number.isNaN(t)) throw new UsageError(`--${name}: cannot read "${value}" as a time`);
    return t;
  };
}

export function parseSpeed(value: string): number | 'max' {
  if (value === 'max') return 'max';
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`--speed takes a positive number or "max", got "${value}"`);
  return n;
}
