import { HubgenError } from '../base/errors.js';

export interface DataProblem {
  /** The file the problem is in (as it was opened). */
  readonly file: string;
  /** 1-based physical line (the header is line 1); undefined for whole-file problems. */
  readonly line?: number;
  /** Column name, when one field is at fault. */
  readonly field?: string;
  /** The offending raw value. */
  readonly value?: string;
  readonly reason: string;
}

/** Bad input data: the message names the file, line, field and value so the row can be found and fixed. */
export class DataError extends HubgenError {
  static override readonly kind: string = 'data';
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;
  readonly value: string | undefined;
  readonly reason: string;

  constructor(problem: DataProblem) {
    super(describeProblem(problem));
    this.file = problem.file;
    this.line = problem.line;
    this.field = problem.field;
    this.value = problem.value;
    this.reason = problem.reason;
  }
}

/** "products.csv line 12, field aisle_id = "abc": not an integer". */
export function describeProblem({ file, line, field, value, reason }: DataProblem): string {
  const where = line === undefined ? file : `${file} line ${line}`;
  const what = field === undefined ? '' : value === undefined ? `, field ${field}` : `, field ${field} = ${JSON.stringify(value)}`;
  return `${where}${what}: ${reason}`;
}
