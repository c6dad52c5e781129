import { DataError, describeProblem, type DataProblem } from '../catalogue/data-error.js';

/**
 * Every bad row of a strict load, not just the first: fixing a file one error per run is slow. The
 * error itself reads as its first problem (file, line, field, value) plus how many more there are,
 * so a caller that prints one line still says something useful.
 */
export class BadRowsError extends DataError {
  static override readonly kind: string = 'bad-rows';
  readonly problems: readonly DataProblem[];

  constructor(problems: readonly DataProblem[]) {
    if (!problems.length) throw new RangeError('BadRowsError needs at least one problem');
    super(problems[0]);
    this.problems = problems;
    const more = problems.length - 1;
    this.message = `${describeProblem(problems[0])}${more ? ` (and ${more} more bad row${more === 1 ? '' : 's'})` : ''}`;
  }
}
