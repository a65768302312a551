// The sweep's worker thread entry (plain JavaScript: a new thread starts without a TypeScript
// loader). It registers tsx in this thread, as bin/parity.js does for the main one, then hands
// tasks to worker.ts. A strategy's console output goes to stderr, so `sweep --json` keeps stdout clean.
import { register } from 'tsx/esm/api';

register();
console.log = console.error;
console.info = console.error;
const { handle } = await import('./worker.ts');

export default handle;
