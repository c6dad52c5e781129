import cliProgress from 'cli-progress';

export interface Progress {
  /**
   * `done` of `total` units; `count` replaces the "done/total" shown when the units are not what a
   * reader counts (the index measures estimated work but shows texts).
   */
  update(done: number, total: number, label?: string, count?: string): void;
  /** A line of its own, printed above the bars on a terminal so they are not drawn over it. */
  note(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Also print an ETA on the plain per-10% lines of a pipe (the terminal bar always shows one). */
  readonly eta?: boolean;
}

/**
 * "1m35s", "40s": cli-progress's time format (5 s steps above 10 s), so the bar and the plain lines
 * read alike, but rounded before it is split: cli-progress rounds the seconds part alone, so 299 s
 * read "4m60s".
 */
export function formatEta(seconds: number): string {
  let s = Math.max(0, Math.round(seconds));
  if (s > 10) s = 5 * Math.round(s / 5);
  if (s > 3600) {
    const m = Math.round(s / 60);
    return `${Math.floor(m / 60)}h${m % 60}m`;
  }
  return s > 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/**
 * A progress bar on a terminal; on a pipe (cron, CI) one plain line per 10% instead, so logs of
 * scheduled runs still show progress without control characters.
 */
export function createProgress(title: string, stream: NodeJS.WriteStream = process.stderr, { eta = false }: ProgressOptions = {}, now: () => number = performance.now.bind(performance)): Progress {
  if (stream.isTTY) return terminalBar(title, stream);
  let lastDecile = -1;
  const startedAt = now();
  return {
    update(done, total, label = '', count = `${done}/${total}`) {
      const decile = total ? Math.floor((done / total) * 10) : 10;
      if (decile === lastDecile) return;
      lastDecile = decile;
      // Rate over everything so far: the work units are chosen so that it is roughly constant.
      const elapsed = (now() - startedAt) / 1000;
      const remaining = eta && done > 0 && done < total && elapsed > 0 ? `, eta ${formatEta((elapsed * (total - done)) / done)}` : '';
      stream.write(`${title}: ${count}${label ? ` (${label})` : ''}${remaining}\n`);
    },
    note: (line) => void stream.write(`${line}\n`),
    stop: () => {},
  };
}

/**
 * The bars live on one terminal at once (a run's pages while the index finishes) share a
 * cli-progress MultiBar, one line each; two single bars would redraw over each other's line.
 */
const boards = new WeakMap<NodeJS.WriteStream, { readonly multi: cliProgress.MultiBar; live: number }>();

function terminalBar(title: string, stream: NodeJS.WriteStream): Progress {
  let bar: cliProgress.SingleBar | undefined;
  let board: { readonly multi: cliProgress.MultiBar; live: number } | undefined;
  return {
    update(done, total, label = '', count = `${done}/${total}`) {
      if (!bar) {
        board = boards.get(stream);
        if (!board) {
          board = { multi: new cliProgress.MultiBar({ hideCursor: true, stream, etaBuffer: 50, clearOnComplete: false }, cliProgress.Presets.shades_classic), live: 0 };
          boards.set(stream, board);
        }
        board.live++;
        bar = board.multi.create(total, done, { label, count }, { format: `${title} [{bar}] {percentage}% | {count} | {label} | eta {eta_formatted}` });
      }
      bar.setTotal(total);
      bar.update(done, { label, count });
    },
    note(line) {
      const live = boards.get(stream);
      if (live) live.multi.log(`${line}\n`);
      else stream.write(`${line}\n`);
    },
    stop() {
      if (!bar || !board) return;
      bar.stop();
      bar = undefined;
      // The last bar to stop ends the board: its final lines stay on the terminal.
      if (--board.live === 0) {
        board.multi.stop();
        boards.delete(stream);
      }
    },
  };
}
