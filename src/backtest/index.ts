/** Backtest results: collection, statistics, terminal report, output files, progress. */
export { BacktestCollector, type CollectedEngine, type CollectedResult, type CollectorOptions } from './collector.ts';
export {
  summarize, roundTrips, periodsPerYear, inferIntervalMs, maxDrawdown,
  type BacktestSummary, type MetricsInput, type RoundTrip, type Calendar,
} from './metrics.ts';
export {
  renderSummary, renderEquityChart, renderPriceChart, summaryJson, backtestJson, downsampleMinMax, formatMoney, formatPercent,
  type RenderOptions, type ChartOptions, type PriceChartRenderOptions, type SummaryJson, type BacktestJson, type Downsampled,
} from './report.ts';
export { writeOutputs, toCsv, csvField, csvLine, equityCsv, equityCsvBytes } from './csv-out.ts';
export { ProgressBar, type ProgressStream, type ProgressOptions, formatCount, formatDuration } from './progress.ts';
