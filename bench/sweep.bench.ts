/**
 * sweep: a 20-combination sma-cross grid (fast 5,8,10,12,15 x slow 30,40,50,60) over the
 * reference 1,000,000 one-minute bars (as backtest.bench) in a temp CSV, through `runSweep` as
 * `parity sweep` calls it, on 1 worker and then on 2. The wall time includes starting the threads
 * and each thread loading the file and warming up (its first run costs about 4x a warm one), as a
 * user waits for it: that fixed cost per thread is why a small grid on little data cannot reach
 * 2x. Both runs must rank the same summaries (checked). Target: speedup >= 1.8 on 2 cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigSchema } from '../src/config/schema.ts';
import { synthBars, writeCsv } from '../src/data/index.ts';
import { parseAxes } from '../src/sweep/grid.ts';
import { runSweep, type SweepReport } from '../src/sweep/sweep.ts';
import { atLeast } from './targets.ts';

const BARS = Number(process.env['PARITY_BENCH_SWEEP_BARS'] ?? 1_000_000);

export async function benchSweep(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'parity-sweep-bench-'));
  try {
    const file = join(dir, 'BTC-USD.csv');
    writeCsv(synthBars({ bars: BARS, seed: 21, symbol: 'BTC-USD' }), file);
    const config = ConfigSchema.parse({ strategy: { file: 'strategies/sma-cross.ts', typecheck: false }, data: { files: [file] } });
    const axes = parseAxes(['fast=5,8,10,12,15', 'slow=30,40,50,60']);
    const sweep = async (workers: number): Promise<{ sec: number; report: SweepReport }> => {
      const t0 = performance.now();
      const report = await runSweep({ config, axes, walkForward: null, rank: 'sharpe', workers, range: {}, onError: 'stop' });
      return { sec: (performance.now() - t0) / 1000, report };
    };
    const one = await sweep(1);
    const two = await sweep(2);
    const same = JSON.stringify(one.report.runs) === JSON.stringify(two.report.runs);
    const speedup = Number((one.sec / two.sec).toFixed(2));
    return {
      speedup,
      oneWorkerSec: Number(one.sec.toFixed(2)),
      twoWorkersSec: Number(two.sec.toFixed(2)),
      runsPerSecTwoWorkers: Number((20 / two.sec).toFixed(2)),
      detail: {
        bars: BARS, combinations: one.report.runsExecuted, cores: availableParallelism(),
        dataLoads: { oneWorker: one.report.loads, twoWorkers: two.report.loads }, sameResults: same,
        // Other processes on the cores make a speedup meaningless: read it next to the load.
        loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
      },
      targets: {
        speedup: atLeast(speedup, 1.8),
        sameResults: { value: same ? 1 : 0, target: 'identical on 1 and 2 workers', met: same },
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
