/** Colors that disappear under NO_COLOR (https://no-color.org): meaning must survive in text. */
import { createContext, useContext } from 'react';

export type Tone = 'good' | 'bad' | 'warn' | 'dim' | 'accent' | 'live';

const COLORS: Record<Tone, string> = { good: 'green', bad: 'red', warn: 'yellow', dim: 'gray', accent: 'cyan', live: 'red' };

export const ColorContext = createContext<boolean>(true);

export function useTone(): (t: Tone | null) => string | undefined {
  const on = useContext(ColorContext);
  return (t) => (on && t !== null ? COLORS[t] : undefined);
}

export const colorsEnabled = (env: NodeJS.ProcessEnv = process.env): boolean => !('NO_COLOR' in env && env['NO_COLOR'] !== '');
