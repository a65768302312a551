/**
 * The one error type the data layer throws for bad input. It names the file and the line so the
 * user can open the file and look: `data/x.csv:17: high 99.5 is below low 100.1`.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  /** The file (or the in-memory source name) the problem is in. */
  readonly file: string;
  /** 1-based line number (the header is line 1); 0 when the problem is about the file as a whole. */
  readonly line: number;
  /** The problem alone, without the location. */
  readonly problem: string;

  constructor(file: string, line: number, problem: string) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
    this.file = file;
    this.line = line;
    this.problem = problem;
  }

  override toString(): string {
    return this.message;
  }
}
