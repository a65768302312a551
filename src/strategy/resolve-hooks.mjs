// Module-resolution hooks for strategy files, registered by src/strategy/loader.ts through
// node:module `register` (they run on Node's loader thread, after tsx's hooks). Plain JavaScript on
// purpose: this file must load on that thread whether or not a TypeScript loader is active there.
//
// 1. The bare specifier 'parity' resolves to this installation's public strategy API (the "."
//    export of its package.json), from any importing file. Node alone finds a bare name only by
//    walking up node_modules from the importer, which fails for a strategy saved outside the clone.
//    'parity/<anything>' is refused with a message: only 'parity' is the API.
// 2. A strategy is an ES module. A .ts/.js file outside node_modules that Node would run as
//    CommonJS (no package.json above it, or one without "type": "module") but is written with
//    import/export is loaded as an ES module instead. Without this, Node hands it to its CommonJS
//    loader, which refuses it ("Cannot require() ES Module ... in a cycle").

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @type {{ name: string, api: string } | undefined} */
let target;

/** @param {{ name: string, api: string }} data */
export function initialize(data) {
  target = data;
}

/** Extensions whose format Node decides from package.json "type" (the others are fixed by their name). */
const AMBIGUOUS = /\.(?:ts|tsx|js|jsx)$/;
/** A static import or export statement at the start of a line: ES module syntax. */
const ESM_SYNTAX = /^[ \t]*(?:import[ \t]*(?:[\w*{]|["'])|export[ \t\n]+(?:default\b|const\b|let\b|var\b|function\b|async\b|class\b|type\b|interface\b|enum\b|abstract\b|declare\b|[{*]))/m;

/**
 * @param {string} specifier
 * @param {{ parentURL?: string, conditions?: string[], importAttributes?: object }} context
 * @param {(specifier: string, context?: object) => Promise<{ url: string, format?: string | null }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  if (target !== undefined) {
    if (specifier === target.name) return nextResolve(target.api, context);
    if (specifier.startsWith(`${target.name}/`)) {
      const err = new Error(`'${specifier}' is not part of the strategy API: import from '${target.name}' (everything a strategy may use is exported there)`);
      /** @type {Error & { code?: string }} */ (err).code = 'ERR_PACKAGE_PATH_NOT_EXPORTED';
      throw err;
    }
  }
  const resolved = await nextResolve(specifier, context);
  if ((resolved.format === 'commonjs' || resolved.format === 'commonjs-typescript' || resolved.format == null) && isLocalSource(resolved.url) && writtenAsModule(resolved.url)) {
    return { ...resolved, format: 'module' };
  }
  return resolved;
}

/** @param {string} url */
function isLocalSource(url) {
  if (!url.startsWith('file:')) return false;
  const path = new URL(url).pathname;
  return AMBIGUOUS.test(path) && !path.includes('/node_modules/');
}

/** @param {string} url */
function writtenAsModule(url) {
  try {
    return ESM_SYNTAX.test(readFileSync(fileURLToPath(url), 'utf8'));
  } catch {
    return false;
  }
}
