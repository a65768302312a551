/**
 * The layer order of src/, checked on every `npm test`. A module may import from its own folder,
 * from any folder in a lower layer, and from another folder of its own layer as long as the
 * folders do not end up in a cycle. Anything else fails here, naming the file and the import, so
 * a dependency against the order is caught when it is written, not when it has grown roots.
 *
 * Bottom-up: the domain and small utilities; the ports (what the core asks of a venue or a feed);
 * the core's parts (orders, portfolio, risk, data); the engine and the strategy API; the services
 * around it (journal, recording, ops, config); the venues; the mode assembly; the console and the
 * CLI. src/api.ts is the public strategy API: it may reach anything below the CLI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

/** Folder (first path segment under src/; `api` for src/api.ts) → layer, bottom-up. */
const LAYERS: Readonly<Record<string, number>> = {
  domain: 0, util: 0,
  ports: 1,
  orders: 2, portfolio: 2, risk: 2, data: 2, features: 2,
  engine: 3, strategy: 3, backtest: 3,
  journal: 4, recording: 4, ops: 4, config: 4, ml: 4,
  venues: 5, 'venue-server': 5,
  modes: 6, sweep: 6,
  api: 7, console: 7, cli: 7,
};

/** Narrower than the layer rule: the folders these may import at all (besides their own). */
const ONLY: Readonly<Record<string, readonly string[]>> = {
  domain: [],
  util: [],
  ports: ['domain'],
  api: ['domain', 'util', 'ports', 'orders', 'portfolio', 'risk', 'data', 'features', 'engine', 'strategy'],
};

interface Edge {
  readonly file: string;
  readonly spec: string;
  readonly from: string;
  readonly to: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(entry.name)) out.push(p);
  }
  return out.sort();
}

function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? (parts[0] ?? '').replace(/\.tsx?$/, '') : (parts[0] ?? '');
}

/** Block comments and whole-line `//` comments out, so prose about imports does not count. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

const SPECIFIERS = [
  /\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g, // import … from '…', export … from '…'
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // import('…'), also in type positions
  /^\s*import\s*['"]([^'"]+)['"]/gm, // import '…' (side effects only)
];

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = code(readFileSync(file, 'utf8'));
    const from = folderOf(file);
    for (const re of SPECIFIERS) {
      for (const m of text.matchAll(re)) {
        const spec = m[1];
        if (spec === undefined || !spec.startsWith('.')) continue; // packages and node: builtins
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(SRC + sep)) continue;
        out.push({ file: relative(ROOT, file), spec, from, to: folderOf(target) });
      }
    }
  }
  return out;
}

function show(e: Edge): string {
  return `${e.file}: '${e.spec}' (${e.from} → ${e.to})`;
}

/** Strongly connected components of the folder graph with more than one folder (Tarjan). */
function folderCycles(all: readonly Edge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of all) {
    if (e.from === e.to) continue;
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    if (!graph.has(e.to)) graph.set(e.to, new Set());
    graph.get(e.from)?.add(e.to);
  }
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

describe('layer order of src/', () => {
  const all = edges();

  it('finds the imports it checks', () => {
    // A scan that matched nothing would pass every rule below.
    expect(all.length).toBeGreaterThan(100);
    expect(all.some((e) => e.from === 'engine' && e.to === 'orders')).toBe(true);
  });

  it('places every folder of src/ in a layer', () => {
    const folders = new Set(sourceFiles(SRC).map(folderOf));
    expect([...folders].filter((f) => LAYERS[f] === undefined).sort()).toEqual([]);
  });

  it('has no import from a higher layer, nor outside what a folder may import', () => {
    const bad = all.filter((e) => {
      if (e.from === e.to) return false;
      const only = ONLY[e.from];
      if (only !== undefined && !only.includes(e.to)) return true;
      const a = LAYERS[e.from];
      const b = LAYERS[e.to];
      return a === undefined || b === undefined || b > a;
    });
    expect(bad.map(show)).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    const cycles = folderCycles(all).map((scc) => {
      const inside = all.filter((e) => e.from !== e.to && scc.includes(e.from) && scc.includes(e.to));
      return `${scc.join(' ↔ ')}:\n    ${inside.map(show).join('\n    ')}`;
    });
    expect(cycles).toEqual([]);
  });
});
