import type { StatusLine } from "../report/progress.js";
import type { CliIo } from "./io.js";

/** Erases the current line: back to its start, clear to its end. */
const ERASE_LINE = "\r\u001b[K";

/**
 * stdout and stderr of a command sharing one terminal with a status line (the progress bar,
 * drawn on stderr). Whatever else is written (a report block on stdout, a log line on stderr)
 * first erases the status line and is followed by a redraw, so the bar never shares a line
 * with anything: `planning [###---] 4/15 26%+ create bf-2024-006` cannot happen.
 *
 * The redraw waits for the end of the current burst of writes (setImmediate) and for a
 * complete line: a report of many blocks redraws once, not once per block.
 */
export function shareTerminal(io: CliIo): CliIo {
  const stderr = io.stderr;
  const columns = () => (stderr as { columns?: number }).columns;
  let status: string | undefined; // the text to show, when a status is active
  let shown = false; // whether it is on screen now
  let atLineStart = true; // whether the terminal's cursor is at the start of a line
  let pending: ReturnType<typeof setImmediate> | undefined;
  /**
   * Once the report went into a pipe whose reader shares the terminal (`plan | less`), the bar
   * is not drawn again: the reader's lines would land after it, and it would stay between them.
   */
  let silenced = false;

  const draw = () => {
    if (status === undefined || !atLineStart || silenced) return;
    const width = columns();
    const text = width === undefined ? status : status.slice(0, Math.max(0, width - 1));
    stderr.write(`\r${text}\u001b[K`);
    shown = true;
  };
  const erase = () => {
    if (!shown) return;
    stderr.write(ERASE_LINE);
    shown = false;
  };
  const scheduleRedraw = () => {
    if (pending !== undefined || status === undefined) return;
    pending = setImmediate(() => {
      pending = undefined;
      draw();
    });
    pending.unref();
  };
  /** A stream whose writes move the status line out of the way when they reach the terminal. */
  const sharing = (stream: CliIo["stdout"], onTerminal: boolean): CliIo["stdout"] => ({
    isTTY: stream.isTTY,
    ...(stream.drained && { drained: () => stream.drained?.() }),
    write(text: string) {
      if (!onTerminal || text === "") return stream.write(text);
      erase();
      const result = stream.write(text);
      atLineStart = text.endsWith("\n");
      scheduleRedraw();
      return result;
    },
  });

  const line: StatusLine = {
    show(text) {
      status = text;
      draw();
    },
    clear() {
      status = undefined;
      if (pending !== undefined) clearImmediate(pending);
      pending = undefined;
      erase();
    },
  };
  const stderrOnTerminal = stderr.isTTY === true;
  const exit = io.exit;
  const stdout =
    stderrOnTerminal && io.stdout.isTTY !== true && io.stdoutPipe === true
      ? silencing(io.stdout, () => {
          erase();
          silenced = true;
        })
      : sharing(io.stdout, stderrOnTerminal && io.stdout.isTTY === true);
  return {
    ...io,
    stdout,
    stderr: sharing(stderr, stderrOnTerminal),
    status: stderrOnTerminal ? line : undefined,
    // However the command ends (a second Ctrl-C, a quit after the grace), the bar goes first:
    // it must not stay on the terminal between the lines a pager or `head` shows.
    ...(exit && {
      exit: (code: number) => {
        line.clear();
        exit(code);
      },
    }),
  };
}

/** stdout into a pipe that shares the terminal: the first text written ends the status line. */
function silencing(stream: CliIo["stdout"], silence: () => void): CliIo["stdout"] {
  return {
    isTTY: stream.isTTY,
    ...(stream.drained && { drained: () => stream.drained?.() }),
    write(text: string) {
      if (text !== "") silence();
      return stream.write(text);
    },
  };
}
