/**
 * `npm run bench` prints figures; `npm run -s bench -- --json` prints one JSON object with a key per
 * area. Targets are printed beside the figures, each with whether it was met (bench/targets.ts);
 * a missed target fails the process only with `--strict` (noisy machines: a build does not run it).
 * Run one area with `npm run bench -- backtest`.
 */
import { benchBacktest } from './backtest.bench.ts';
import { benchConsole } from './console.bench.ts';
import { benchCrypto } from './crypto.bench.ts';
import { benchIbkr } from './ibkr.bench.ts';
import { benchMl } from './ml.bench.ts';
import { benchReplay } from './replay.bench.ts';
import { benchOrders } from './orders.bench.ts';
import { benchSweep } from './sweep.bench.ts';
import { isTarget } from './targets.ts';

type Bench = () => Promise<Record<string, unknown>> | Record<string, unknown>;

const BENCHES: Record<string, Bench> = {
  backtest: benchBacktest,
  console: benchConsole,
  replay: benchReplay,
  orders: benchOrders,
  sweep: benchSweep,
  ibkr: benchIbkr,
  crypto: benchCrypto,
  ml: benchMl,
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.filter((a) => !a.startsWith('--'));
const out: Record<string, unknown> = {};
for (const [name, fn] of Object.entries(BENCHES)) {
  if (only.length > 0 && !only.includes(name)) continue;
  if (!json) process.stderr.write(`running ${name}...\n`);
  out[name] = await fn();
  if (!json) process.stdout.write(`${name}: ${JSON.stringify(out[name], null, 2)}\n`);
}
if (json) process.stdout.write(`${JSON.stringify(out)}\n`);

// Every target with a verdict, one line each: what was measured, what it had to be, met or not.
const missed: string[] = [];
for (const [area, result] of Object.entries(out)) {
  const targets = (result as { targets?: Record<string, unknown> }).targets ?? {};
  for (const [key, t] of Object.entries(targets)) {
    if (!isTarget(t)) continue;
    if (!json) process.stdout.write(`${t.met ? 'met    ' : 'MISSED '} ${area}.${key} = ${String(t.value)} (target ${t.target})\n`);
    if (!t.met) missed.push(`${area}.${key}`);
  }
}
if (!json && missed.length > 0) process.stdout.write(`${missed.length} target${missed.length === 1 ? '' : 's'} missed: ${missed.join(', ')}\n`);
if (args.includes('--strict') && missed.length > 0) process.exitCode = 1;
