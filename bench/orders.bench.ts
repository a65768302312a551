/**
 * orders: the durable intent write (journal append + fdatasync, the record made before an order
 * leaves the process) with 10,000 orders already in the store, and the FSM's raw transition rate.
 * Targets: intent write p99 < 1 ms; >= 2,000,000 transitions/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store } from '../src/journal/store.ts';
import type { StoredOrder } from '../src/journal/state.ts';
import { DurableIds, CLIENT_ID_RULES } from '../src/orders/client-ids.ts';
import { transition, type FsmState, type OrderEventKind } from '../src/orders/fsm.ts';

const PRELOAD = 10_000;
const WRITES = 2_000;

function order(id: string, status: StoredOrder['status'], t: number): StoredOrder {
  return {
    clientOrderId: id, venueOrderId: null, request: { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 10 }, status, returnTo: null,
    filledQty: 0, avgFillPrice: 0, fees: 0, createdAt: t, updatedAt: t, reason: null, flagged: null, external: false, leftAlone: false, execIds: [], intentWall: null, strategy: 'bench',
  };
}

export async function benchOrders(): Promise<{ intentWriteP50Us: number; intentWriteP99Us: number; transitionsPerSec: number; target: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'parity-bench-orders-'));
  try {
    const { store } = Store.open({ dir, venue: 'bench', account: 'b', snapshotEveryMs: Number.POSITIVE_INFINITY });
    const ids = new DurableIds(store, 'bench', CLIENT_ID_RULES.okx);
    const t = Date.now();
    for (let i = 0; i < PRELOAD; i++) store.append('intent', { order: order(ids.next(), i % 3 === 0 ? 'accepted' : 'filled', t), nextSeq: store.state.nextSeq }, false);
    store.snapshot(true); // 10,000 orders in the snapshot and the state
    const lat: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const o = order(ids.next(), 'submitted', t);
      const t0 = performance.now();
      store.append('intent', { order: o, nextSeq: store.state.nextSeq }, true);
      lat.push((performance.now() - t0) * 1000);
    }
    store.close();
    lat.sort((a, b) => a - b);
    const pct = (p: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!);

    // A realistic cycle: submit, accept, partial, cancel request, partial while pending, cancel.
    const cycle: OrderEventKind[] = ['submit', 'accept', 'fill_partial', 'cancel_request', 'fill_partial', 'canceled'];
    const N = 2_000_000;
    let s: FsmState = { status: 'initialized', returnTo: null };
    let ok = 0;
    const warm = (n: number) => {
      for (let i = 0; i < n; i++) {
        const k = i % cycle.length;
        if (k === 0) s = { status: 'initialized', returnTo: null };
        const r = transition(s, cycle[k]!);
        if (r.ok) { s = r.state; ok++; }
      }
    };
    warm(200_000);
    const t1 = performance.now();
    warm(N);
    const sec = (performance.now() - t1) / 1000;
    if (ok === 0) throw new Error('no transition succeeded');
    return { intentWriteP50Us: pct(0.5), intentWriteP99Us: pct(0.99), transitionsPerSec: Math.round(N / sec), target: 'intent write p99 < 1000 us; >= 2,000,000 transitions/s' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
