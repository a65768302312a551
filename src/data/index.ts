/** The data layer's public face: load, check, grid, feed and synthesize bars. */
export { DataError } from './errors.ts';
export type { BarSeries } from './series.ts';
export { seriesFromBars, seriesBySymbol, barAt, describeInterval, emptySeries } from './series.ts';
export type { LoadOptions } from './collect.ts';
export { loadBars, BAR_FILE_TYPES } from './load.ts';
export { parseCsvBars } from './csv.ts';
export { parseJsonlBars } from './jsonl.ts';
export { symbolFromFileName } from './symbol-name.ts';
export { putOnGrid, gridRounder } from './grid.ts';
export { SeriesFeed } from './feed.ts';
export { synthBars, synthDefaults, type SynthOptions, type SynthProfile } from './synth.ts';
export { writeCsv, formatCsv } from './csv-write.ts';
export { synthToCsv, synthOptionsFromArgs, SAMPLE, type SynthFileOptions } from './make-sample.ts';
export { ZoneConverter, isValidTimeZone } from './zone.ts';
export { formatTs } from './timestamps.ts';
export { planBarStream, StreamFeed, summariesOf, type BarStreamPlan, type TickFor, type SeriesSummary, type ThinSeries } from './stream.ts';
export { barFileKind, type BarFileKind } from './load.ts';
export { parquetNamesSymbol } from './parquet.ts';
