#!/usr/bin/env node
// Entry point. Strategies are TypeScript files loaded at run time, so tsx's loader is registered
// before anything else is imported (Node 20 cannot strip types by itself).
const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  process.stderr.write(`parity needs Node.js 20 or newer; this is ${process.versions.node}.\n`);
  process.exit(1);
}
// React's development build is several times slower: set before anything can import React (the
// console's modules read it once, when they load).
process.env.NODE_ENV ??= 'production';
const { register } = await import('tsx/esm/api');
// parity's own compiler settings for its own .tsx (React's automatic JSX runtime) and for the
// strategies it loads: tsx would otherwise take the tsconfig of the folder the trader runs it from,
// or none, and the console would fail with "React is not defined".
register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
