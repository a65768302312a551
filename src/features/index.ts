/** The feature layer's public face: features defined once, computed the same in batch and live. */
export type { FeatureEnv, FeatureInput, FeatureSource, FeatureSpec, FeatureState } from './types.ts';
export { FeatureError } from './errors.ts';
export { returns, volatility, rsi, zscore, volumeRatio, range, timeOfDay, dayOfWeek, fundingRate, basis, MAX_WINDOW } from './library.ts';
export { FeatureSet, parseFeatureList, knownFeatures, type FeatureMatrix, type IncrementalFeatures } from './feature-set.ts';
export { InputAssembler, assembleInputs, fundingSide, type SideInputs } from './inputs.ts';
export { LocalClock, calendarZone } from './local-time.ts';
