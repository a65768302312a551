/**
 * A bench's targets as data: each figure beside its target and whether it met it, so a bench can
 * fail (`npm run bench` prints a line per target; `--json` carries the same objects; `--strict`
 * makes the process exit 1 when one is missed).
 */
export interface TargetResult {
  readonly value: number | null;
  readonly target: string;
  /** null when the figure could not be measured (then it did not meet its target either). */
  readonly met: boolean;
}

export function atLeast(value: number | null, min: number, unit = ''): TargetResult {
  return { value, target: `>= ${min}${unit}`, met: value !== null && Number.isFinite(value) && value >= min };
}

export function below(value: number | null, max: number, unit = ''): TargetResult {
  return { value, target: `< ${max}${unit}`, met: value !== null && Number.isFinite(value) && value < max };
}

export function isTarget(x: unknown): x is TargetResult {
  return typeof x === 'object' && x !== null && 'target' in x && 'met' in x && typeof (x as { met: unknown }).met === 'boolean';
}
