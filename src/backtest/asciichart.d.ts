/** The part of asciichart (untyped, CommonJS) that parity uses. */
declare module 'asciichart' {
  export interface PlotConfig {
    /** Rows of the plot area (the chart has height + 1 lines). */
    height?: number;
    min?: number;
    max?: number;
    /** Columns reserved left of the axis; labels longer than it push the axis right. */
    offset?: number;
    padding?: string;
    colors?: string[];
    symbols?: string[];
    format?: (value: number, row: number) => string;
  }
  export function plot(series: number[] | number[][], cfg?: PlotConfig): string;
  export function colored(char: string, color: string | undefined): string;
  export const green: string;
  export const red: string;
  export const cyan: string;
  export const reset: string;
  export const darkgray: string;
  const asciichart: {
    plot: typeof plot;
    colored: typeof colored;
    green: string;
    red: string;
    cyan: string;
    reset: string;
    darkgray: string;
  };
  export default asciichart;
}
