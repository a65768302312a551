import type { z } from 'zod';

/** A zod error as one line: each issue's path and message, for an error that says what to fix. */
export const zodMessage = (e: z.ZodError): string => e.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
