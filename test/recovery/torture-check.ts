/**
 * The crash torture test's judge, kept apart so a sanity test can show it catches what it must:
 * a client order id the venue accepted twice, a decision sent under two ids, an order that left
 * the process without a durable intent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Intent { readonly clientOrderId: string; readonly tag: string | null; readonly seq: number }

export interface VenueStats {
  readonly submissions: Readonly<Record<string, number>>;
  readonly duplicates: Readonly<Record<string, number>>;
}

/** Every intent record in a store's journal files (the current one and the rotated ones). */
export function readIntents(storeDir: string): Intent[] {
  const files: string[] = [];
  const hist = join(storeDir, 'history');
  if (existsSync(hist)) for (const f of readdirSync(hist).sort()) if (f.endsWith('.jsonl')) files.push(join(hist, f));
  files.push(join(storeDir, 'journal.jsonl'));
  const out: Intent[] = [];
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let rec: { seq: number; kind: string; data: { order?: { clientOrderId: string; request: { tag?: string } } } };
      try { rec = JSON.parse(line) as typeof rec; } catch { continue; } // a torn last line
      if (rec.kind !== 'intent' || rec.data.order === undefined) continue;
      out.push({ clientOrderId: rec.data.order.clientOrderId, tag: rec.data.order.request.tag ?? null, seq: rec.seq });
    }
  }
  return out;
}

/** Violations of "each order at most once at the venue, each decision under one id, nothing sent undurably". */
export function checkSubmissions(intents: readonly Intent[], stats: VenueStats): string[] {
  const problems: string[] = [];
  for (const [cid, n] of Object.entries(stats.submissions)) {
    const accepted = n - (stats.duplicates[cid] ?? 0);
    if (accepted > 1) problems.push(`${cid}: the venue took it ${accepted} times`);
  }
  const journaled = new Set(intents.map((i) => i.clientOrderId));
  for (const cid of Object.keys(stats.submissions)) {
    if (!journaled.has(cid)) problems.push(`${cid}: reached the venue without a journaled intent`);
  }
  const byTag = new Map<string, Set<string>>();
  for (const i of intents) {
    if (i.tag === null) continue;
    const s = byTag.get(i.tag) ?? new Set<string>();
    s.add(i.clientOrderId);
    byTag.set(i.tag, s);
  }
  for (const [tag, ids] of byTag) if (ids.size > 1) problems.push(`decision ${tag} was sent under ${ids.size} client order ids: ${[...ids].join(', ')}`);
  return problems;
}
