/**
 * Data at scale: `loadRowsPerSec` (a 1M-row CSV with a symbol column, as `parity data synth`
 * writes it, read from disk, parsed, checked, put on the tick grid and handed out as bars by the
 * streaming feed: what a backtest pays before the engine) and `streamPeakRssMb` (a 20M-bar file
 * backtested by a child process; the peak RSS of that process alone). `streamFeedPeakRssMb` is the
 * same child with the data path only (no engine), which shows what the data layer holds.
 * The files go to the OS temp folder and are deleted after. PARITY_BENCH_QUICK=1 uses 2M bars
 * for the streamed run (the printed `streamBars` says which).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatCsv, planBarStream, synthBars } from '../src/data/index.ts';
import { atLeast, below } from './targets.ts';

const LOAD_ROWS = 1_000_000;
const STREAM_BARS = process.env.PARITY_BENCH_QUICK === '1' ? 2_000_000 : 20_000_000;

/** A long synthetic file written a million bars at a time (never the whole series in memory). */
function writeLongCsv(path: string, bars: number): void {
  const fd = openSync(path, 'w');
  try {
    let start = Date.UTC(2000, 0, 1);
    let price = 60_000;
    for (let done = 0, k = 0; done < bars; k++) {
      const n = Math.min(1_000_000, bars - done);
      const s = synthBars({ bars: n, seed: 100 + k, symbol: 'BTC-USD', start, startPrice: price });
      const text = formatCsv(s, { symbolColumn: true });
      writeSync(fd, done === 0 ? text : text.slice(text.indexOf('\n') + 1));
      start = s.ts[n - 1]! + 60_000;
      price = s.close[n - 1]!;
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

function child(file: string, feedOnly: boolean): { bars: number; fills: number | null; seconds: number; peakRssMb: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/stream-child.ts', file, ...(feedOnly ? ['--feed-only'] : [])], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as { bars: number; fills: number | null; seconds: number; peakRssMb: number };
}

export async function benchStream(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'parity-bench-stream-'));
  try {
    const small = join(dir, 'BTC-USD-1m.csv');
    writeLongCsv(small, LOAD_ROWS);
    // Wall time is the target; CPU time (this process, all threads) is printed beside it because
    // a loaded machine stretches the wall figure without the code changing.
    let cpuSec = 0;
    const cpuRuns: number[] = [];
    const load = (): number => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const feed = planBarStream([small]).open(() => 0.01, []);
      let n = 0;
      while (feed.peekTime() !== Number.POSITIVE_INFINITY) { feed.next(); n++; }
      if (n !== LOAD_ROWS) throw new Error(`read ${n} rows of ${LOAD_ROWS}`);
      const c = process.cpuUsage(c0);
      cpuSec = (c.user + c.system) / 1e6;
      return (performance.now() - t0) / 1000;
    };
    load(); // warm the JIT
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) { runs.push(load()); cpuRuns.push(cpuSec); }
    runs.sort((a, b) => a - b);
    cpuRuns.sort((a, b) => a - b);
    const loadSec = runs[1]!;

    const big = join(dir, 'BTC-USD-long.csv');
    writeLongCsv(big, STREAM_BARS);
    const feedOnly = child(big, true);
    const full = child(big, false);
    return {
      loadRowsPerSec: Math.round(LOAD_ROWS / loadSec),
      loadCpuRowsPerSec: Math.round(LOAD_ROWS / cpuRuns[1]!),
      streamBars: STREAM_BARS,
      streamPeakRssMb: full.peakRssMb,
      streamSeconds: full.seconds,
      streamFills: full.fills,
      streamFeedPeakRssMb: feedOnly.peakRssMb,
      streamFeedSeconds: feedOnly.seconds,
      // The RSS target is for 20M bars: a quick run's figure is printed but does not count.
      targets: {
        loadRowsPerSec: atLeast(Math.round(LOAD_ROWS / loadSec), 4_000_000, ' rows/s'),
        streamPeakRssMb: below(STREAM_BARS === 20_000_000 ? full.peakRssMb : null, 400, ' MB at 20M bars'),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
