/**
 * `npm run bench` prints figures; `npm run -s bench -- --json` prints one JSON object with a key per
 * area. Targets are printed beside the figures; a benchmark never fails a build (noisy machines).
 * Run one area with `npm run bench -- backtest`.
 */
import { benchBacktest } from './backtest.bench.ts';
import { benchConsole } from './console.bench.ts';
import { benchReplay } from './replay.bench.ts';
import { benchOrders } from './orders.bench.ts';

type Bench = () => Promise<Record<string, unknown>> | Record<string, unknown>;

const BENCHES: Record<string, Bench> = {
  backtest: benchBacktest,
  console: benchConsole,
  replay: benchReplay,
  orders: benchOrders,
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
