/** What the Binance fake reads from a request (its admin's bodies are the crypto fakes' own: ../crypto-admin.ts). */

/** A decimal as Binance takes it: a string (or number) of digits. */
export const decimal = (v: string | null): number | undefined => (v !== null && /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(v) ? Number(v) : undefined);
