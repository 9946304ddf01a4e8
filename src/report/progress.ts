import { formatDuration } from "./apply-summary.js";

/** Redraws at most this often: about 10 frames a second is smooth and cheap. */
const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 20;
/** Before this much time has passed, a rate (and so an ETA) would be noise. */
const MIN_RATE_WINDOW_MS = 500;

export interface ProgressStream {
  write(text: string): unknown;
  /** Terminal width; the line is cut to fit so `\r` redraws never wrap. */
  columns?: number;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** The caller enables it only on a TTY without `--no-progress`; disabled, it writes nothing. */
  enabled: boolean;
  total?: number;
  /** `Looking up`, `Applying` */
  label: string;
  /** Milliseconds; injected by tests. */
  now?: () => number;
}

export interface Progress {
  tick(n?: number): void;
  setTotal(total: number): void;
  /** Draws nothing more and clears the line. Safe to call twice. */
  done(): void;
}

/**
 * A one-line progress bar on stderr: `Applying [#######-------------] 350/1000 35% 120/s ETA 5.4 s`.
 * Redrawn in place with `\r`, at most every REDRAW_INTERVAL_MS.
 */
export function createProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return { tick() {}, setTotal() {}, done() {} };
  const now = options.now ?? (() => performance.now());
  const { stream, label } = options;
  const started = now();
  let total = options.total;
  let count = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let finished = false;

  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < REDRAW_INTERVAL_MS) return;
    lastDraw = t;
    const text = renderProgressLine({ label, count, total, elapsedMs: t - started });
    const width = stream.columns === undefined ? text.length : Math.max(0, stream.columns - 1);
    stream.write(`\r${text.slice(0, width)}\u001b[K`);
  };
  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      draw(false);
    },
    setTotal(n) {
      if (finished) return;
      total = n;
      draw(true);
    },
    done() {
      if (finished) return;
      finished = true;
      if (lastDraw !== Number.NEGATIVE_INFINITY) stream.write("\r\u001b[K");
    },
  };
}

export interface ProgressState {
  label: string;
  count: number;
  total: number | undefined;
  elapsedMs: number;
}

/** The bar's text: done/total, percentage, rate and ETA (count and rate only without a total). */
export function renderProgressLine(state: ProgressState): string {
  const { label, count, total, elapsedMs } = state;
  const rate = elapsedMs >= MIN_RATE_WINDOW_MS ? (count * 1000) / elapsedMs : undefined;
  const rateText = rate === undefined ? "" : ` ${formatRate(rate)}/s`;
  if (total === undefined || total <= 0) return `${label} ${count}${rateText}`;
  const fraction = Math.min(1, count / total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
  const percent = `${Math.floor(fraction * 100)}%`;
  const eta =
    rate === undefined || rate === 0 || count >= total
      ? ""
      : ` ETA ${formatDuration(((total - count) / rate) * 1000)}`;
  return `${label} ${bar} ${count}/${total} ${percent}${rateText}${eta}`;
}

function formatRate(rate: number): string {
  return rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1);
}
