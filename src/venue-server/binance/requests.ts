/** Bodies of the Binance fake's admin routes (the same as the OKX fake's, with Binance's symbols). */
import { z } from 'zod';

export const AdminBar = z.strictObject({
  instId: z.string().min(1), ts: z.number().int().optional(), open: z.number().positive(), high: z.number().positive(), low: z.number().positive(),
  close: z.number().positive(), volume: z.number().min(0).optional(),
});
export const AdminBars = z.strictObject({ bars: z.array(AdminBar).min(1) });
export const AdminAdvance = z.strictObject({ ms: z.number().min(0) });
export const AdminScale = z.strictObject({ scale: z.number().min(0) });
export const AdminFund = z.strictObject({ instId: z.string().optional(), rate: z.number().optional() });

/** A decimal as Binance takes it: a string (or number) of digits. */
export const decimal = (v: string | null): number | undefined => (v !== null && /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(v) ? Number(v) : undefined);
