/** Market context (sessions, data freshness, spread) and risk limits. */
import { usEquitySession } from '../../domain/market-hours.ts';
import { type Gate, type GateContext, fail, pass, th, warn } from './types.ts';

export const marketGate: Gate = {
  id: 'market',
  title: 'Market context',
  check(ctx: GateContext) {
    const now = ctx.engine.now();
    const parts: string[] = [];
    const closed: string[] = [];
    let unknownYears = false;
    for (const i of ctx.instruments) {
      if (i.calendar === '24x7') { parts.push(`${i.symbol} 24/7`); continue; }
      if (!Number.isFinite(now)) { parts.push(`${i.symbol} session unknown (no engine time yet)`); continue; }
      const s = usEquitySession(now);
      if (!s.holidaysKnown) unknownYears = true;
      parts.push(`${i.symbol} ${s.open ? 'open' : `closed: ${s.detail}`}`);
      if (!s.open) closed.push(i.symbol);
    }
    const t = th(ctx);
    if (ctx.realtime) {
      // Judged on arrival: a venue replaying old bars is not stale for their old timestamps.
      const last = ctx.lastDataWall?.() ?? null;
      if (last === null) parts.push('no market data yet');
      else {
        const age = ctx.wallNow() - last;
        if (age > t.staleDataMs) return fail(`${parts.join(', ')}; last data ${Math.round(age / 1000)} s ago`, 'check the market-data feed and subscription');
        parts.push(`last data ${Math.round(age / 1000)} s ago`);
      }
    } else {
      parts.push('replay: data judged on engine time');
    }
    const wide: string[] = [];
    for (const i of ctx.instruments) {
      const q = ctx.lastQuote?.(i.symbol);
      if (q === undefined) continue;
      const mid = (q.bid + q.ask) / 2;
      const spread = mid > 0 ? (q.ask - q.bid) / mid : Number.POSITIVE_INFINITY;
      if (!(spread >= 0) || spread > t.maxSpread) wide.push(`${i.symbol} spread ${(spread * 100).toFixed(2)}%`);
    }
    if (wide.length > 0) return warn(`${parts.join(', ')}; ${wide.join(', ')}`, `spreads above ${(t.maxSpread * 100).toFixed(1)}%: market orders will pay them; wait or use limits`);
    if (!ctx.instruments.some((i) => ctx.lastQuote?.(i.symbol) !== undefined)) parts.push('no quotes: spread not checked');
    if (unknownYears) return warn(`${parts.join(', ')}; holidays outside 2024-2027 are not in the calendar`, 'extend US_EQUITY_HOLIDAYS in src/domain/market-hours.ts');
    if (closed.length > 0) return warn(parts.join(', '), `${closed.join(', ')}: orders wait for the next session; flatten uses limit orders until then`);
    return pass(parts.join(', '));
  },
};

export const riskLimitsGate: Gate = {
  id: 'risk',
  title: 'Risk limits',
  check(ctx) {
    const l = ctx.limits;
    const set = Object.entries(l).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}`);
    if (set.length === 0) {
      const d = 'no risk limits configured';
      const fix = 'set risk.maxOrderNotional, risk.maxPositionQty and risk.priceCollar in parity.config.json';
      return ctx.mode === 'live' ? fail(d, fix) : warn(d, fix);
    }
    const missing = ['maxOrderNotional', 'priceCollar'].filter((k) => (l as Record<string, unknown>)[k] === undefined);
    if (missing.length > 0 && ctx.mode === 'live') return warn(`${set.join(', ')}; no ${missing.join(', ')}`, `set risk.${missing.join(' and risk.')} too`);
    return pass(set.join(', '));
  },
};
