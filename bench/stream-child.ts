/**
 * The child process of the streaming bench (stream.bench.ts): one backtest of a file, or the data
 * path alone (`--feed-only`: read, check, grid-round and hand out every bar, no engine), then one
 * JSON line with this process's own peak RSS (getrusage maxrss, the kernel's high-water mark),
 * and beside it what V8 holds at the end (heapUsedMb: live objects; heapTotalMb: the heap V8 keeps,
 * used or free; arrayBuffersMb: typed arrays' memory, outside the heap), to tell GC slack from data.
 *
 *   node --import tsx bench/stream-child.ts <file> [--feed-only]
 */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { ConfigSchema } from '../src/config/schema.ts';
import { planBarStream } from '../src/data/index.ts';
import { runBacktest } from '../src/modes/backtest.ts';

const [file, mode] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: stream-child.ts <file> [--feed-only]');
const t0 = performance.now();
let bars = 0;
let fills: number | null = null;
let finalEquity: number | null = null;
if (mode === '--feed-only') {
  const feed = planBarStream([file]).open(() => 0.01, []);
  while (feed.peekTime() !== Number.POSITIVE_INFINITY) { feed.next(); bars++; }
} else {
  const config = ConfigSchema.parse({ data: { files: [file] }, strategy: { typecheck: false } });
  const r = await runBacktest(config);
  bars = r.description.data.bars;
  fills = r.summary.fills;
  finalEquity = r.summary.finalEquity;
}
const seconds = (performance.now() - t0) / 1000;
const mb = (b: number): number => Math.round(b / 2 ** 20);
const heap = getHeapStatistics();
process.stdout.write(`${JSON.stringify({
  bars, fills, finalEquity, seconds: Number(seconds.toFixed(2)), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  rssMb: mb(process.memoryUsage().rss), heapUsedMb: mb(heap.used_heap_size), heapTotalMb: mb(heap.total_heap_size), arrayBuffersMb: mb(process.memoryUsage().arrayBuffers),
})}\n`);
