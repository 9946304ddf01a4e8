import { formatCount } from "../core/words.js";
import { formatDuration } from "./apply-summary.js";

/** Redraws at most this often: about 10 frames a second is smooth and cheap. */
const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 20;
/** Before this much time has passed, a rate (and so an ETA) would be noise. */
const MIN_RATE_WINDOW_MS = 500;
/**
 * How fast the shown rate follows the measured one: an exponential moving average with this
 * time constant. Requests come in bursts (a lookup batch, then many writes, a 429 pause), so a
 * raw rate makes the ETA jump; 5 s smooths the bursts and still follows a real slow-down.
 */
export const RATE_TIME_CONSTANT_MS = 5_000;

interface ProgressStream {
  write(text: string): unknown;
  /** Terminal width; the line is cut to fit so `\r` redraws never wrap. */
  columns?: number;
}

/**
 * The last line of a terminal, kept for a status (the progress bar). Whoever shares the
 * terminal erases it before writing and redraws it after (see `src/cli/terminal.ts`).
 */
export interface StatusLine {
  /** Shows `text` in place of the previous status. */
  show(text: string): void;
  /** Erases the status; nothing is shown until the next `show`. */
  clear(): void;
}

export interface ProgressOptions {
  /** Where the bar is drawn with `\r` when no `line` is given. */
  stream?: ProgressStream;
  /** The status line the bar is shown on (takes precedence over `stream`). */
  line?: StatusLine;
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
 * A one-line progress bar on stderr: `Applying [#######-------------] 350/1,000 35% 120/s ETA 5.4 s`.
 * Redrawn in place, at most every REDRAW_INTERVAL_MS.
 */
export function createProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return { tick() {}, setTotal() {}, done() {} };
  const line = options.line ?? statusLineOn(options.stream ?? { write: () => {} });
  const now = options.now ?? (() => performance.now());
  const { label } = options;
  const started = now();
  let total = options.total;
  let count = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let rate: RateEstimate | undefined;
  let finished = false;

  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < REDRAW_INTERVAL_MS) return;
    lastDraw = t;
    rate = estimateRate(rate, { count, elapsedMs: t - started });
    line.show(renderProgressLine({ label, count, total, elapsedMs: t - started, rate: rate.rate }));
  };
  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      draw(false);
    },
    setTotal(n) {
      if (finished || n === total) return;
      total = n;
      draw(true);
    },
    done() {
      if (finished) return;
      finished = true;
      if (lastDraw !== Number.NEGATIVE_INFINITY) line.clear();
    },
  };
}

/** A status line drawn with `\r` on a stream of its own (nothing else writes to it). */
function statusLineOn(stream: ProgressStream): StatusLine {
  let shown = false;
  return {
    show(text) {
      const width = stream.columns === undefined ? text.length : Math.max(0, stream.columns - 1);
      stream.write(`\r${text.slice(0, width)}\u001b[K`);
      shown = true;
    },
    clear() {
      if (shown) stream.write("\r\u001b[K");
      shown = false;
    },
  };
}

/** The smoothed rate (runs per second) and the sample it was last updated from. */
export interface RateEstimate {
  /** Undefined until MIN_RATE_WINDOW_MS have passed. */
  rate: number | undefined;
  count: number;
  elapsedMs: number;
}

/**
 * The next rate estimate from a new sample (count done after elapsedMs): the plain average
 * over the first MIN_RATE_WINDOW_MS, then an exponential moving average of the rate between
 * samples, weighted by the time between them (so the redraw frequency does not matter).
 */
export function estimateRate(
  previous: RateEstimate | undefined,
  sample: { count: number; elapsedMs: number },
): RateEstimate {
  const { count, elapsedMs } = sample;
  if (elapsedMs < MIN_RATE_WINDOW_MS) return { rate: undefined, count, elapsedMs };
  if (previous?.rate === undefined) {
    return { rate: (count * 1000) / elapsedMs, count, elapsedMs };
  }
  const dt = elapsedMs - previous.elapsedMs;
  if (dt <= 0) return previous;
  const recent = ((count - previous.count) * 1000) / dt;
  const weight = 1 - Math.exp(-dt / RATE_TIME_CONSTANT_MS);
  return { rate: previous.rate + weight * (recent - previous.rate), count, elapsedMs };
}

export interface ProgressState {
  label: string;
  count: number;
  total: number | undefined;
  elapsedMs: number;
  /** Runs per second; by default the plain average over elapsedMs. */
  rate?: number | undefined;
}

/** The bar's text: done/total, percentage, rate and ETA (count and rate only without a total). */
export function renderProgressLine(state: ProgressState): string {
  const { label, count, total, elapsedMs } = state;
  const rate =
    "rate" in state
      ? state.rate
      : elapsedMs >= MIN_RATE_WINDOW_MS
        ? (count * 1000) / elapsedMs
        : undefined;
  const rateText = rate === undefined ? "" : ` ${formatRate(rate)}/s`;
  if (total === undefined || total <= 0) return `${label} ${formatWhole(count)}${rateText}`;
  const fraction = Math.min(1, count / total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
  const percent = `${Math.floor(fraction * 100)}%`;
  const eta =
    rate === undefined || rate <= 0 || count >= total
      ? ""
      : ` ETA ${formatDuration(((total - count) / rate) * 1000)}`;
  return `${label} ${bar} ${formatWhole(count)}/${formatWhole(total)} ${percent}${rateText}${eta}`;
}

/** `12,345`: whole units, digits grouped. */
function formatWhole(n: number): string {
  return formatCount(Math.round(n));
}

function formatRate(rate: number): string {
  return rate >= 100 ? formatWhole(rate) : rate.toFixed(1);
}
