/**
 * Walk-forward windows: `--walk-forward train=30d,test=7d[,step=7d][,anchored]`.
 *
 * Window k trains on [start + k*step, start + k*step + train) and tests on the `test` span right
 * after it; step defaults to test, so the test spans tile the data without overlap. `anchored`
 * keeps every training span starting at the first bar (it grows instead of sliding). Only whole
 * test spans are used: the tail after the last one is reported as unused. Units: m, h, d, w.
 * Times are the data's own (epoch ms), `from` inclusive and `to` exclusive like `--from`/`--to`.
 */
import { SweepSpecError } from './grid.ts';

export interface WalkForwardSpec {
  readonly trainMs: number;
  readonly testMs: number;
  readonly stepMs: number;
  readonly anchored: boolean;
  /** The spec as written, for messages and the JSON. */
  readonly text: string;
}

export interface Window {
  readonly index: number;
  readonly train: { readonly from: number; readonly to: number };
  readonly test: { readonly from: number; readonly to: number };
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(text.trim());
  if (m === null) throw new SweepSpecError(`--walk-forward ${what}: cannot read "${text}" as a span: write a number and a unit m, h, d or w (90m, 12h, 30d, 2w)`);
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!(ms > 0)) throw new SweepSpecError(`--walk-forward ${what} must be longer than zero, got "${text}"`);
  return Math.round(ms);
}

export function parseWalkForward(text: string): WalkForwardSpec {
  const got: Record<string, string> = {};
  let anchored = false;
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p === 'anchored') { anchored = true; continue; }
    const eq = p.indexOf('=');
    const key = eq < 0 ? p : p.slice(0, eq);
    if (eq < 0 || !['train', 'test', 'step'].includes(key)) {
      throw new SweepSpecError(`--walk-forward takes train=SPAN,test=SPAN[,step=SPAN][,anchored] (e.g. train=30d,test=7d), got "${p}" in "${text}"`);
    }
    if (got[key] !== undefined) throw new SweepSpecError(`--walk-forward: ${key} is given twice in "${text}"`);
    got[key] = p.slice(eq + 1);
  }
  if (got['train'] === undefined || got['test'] === undefined) {
    throw new SweepSpecError(`--walk-forward needs both train= and test= (e.g. train=30d,test=7d), got "${text}"`);
  }
  const trainMs = parseDuration(got['train'], 'train');
  const testMs = parseDuration(got['test'], 'test');
  const stepMs = got['step'] === undefined ? testMs : parseDuration(got['step'], 'step');
  return { trainMs, testMs, stepMs, anchored, text };
}

/**
 * The windows over data from `first` (the first bar's time) to `end`: the end of the last bar (its
 * time plus the bar interval), so ten days of minute bars hold a 5d + 5d window.
 */
export function windowsFor(spec: WalkForwardSpec, first: number, end: number): Window[] {
  const out: Window[] = [];
  for (let k = 0; ; k++) {
    const trainTo = first + spec.trainMs + k * spec.stepMs;
    const testTo = trainTo + spec.testMs;
    if (testTo > end) break;
    out.push({ index: k, train: { from: spec.anchored ? first : first + k * spec.stepMs, to: trainTo }, test: { from: trainTo, to: testTo } });
  }
  if (out.length === 0) {
    const days = (end - first) / 86_400_000;
    const need = (spec.trainMs + spec.testMs) / 86_400_000;
    throw new SweepSpecError(`--walk-forward ${spec.text}: the data spans ${days.toFixed(2)} days, one window needs ${need.toFixed(2)} (train + test): use shorter spans or more data`);
  }
  return out;
}
