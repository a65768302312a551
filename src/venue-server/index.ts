/** `parity venue`: the simulated venue behind an Alpaca-compatible REST and websocket front. */
export { startVenueServer, type VenueServer, type VenueServerOptions } from './server.ts';
export { VenueCore, type CoreEvent } from './core.ts';
export { loadState, StateFileError, type VenueStateData, type OrderRec, type FillRec } from './state.ts';
