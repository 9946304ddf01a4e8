import { plural } from "../core/words.js";
import type { Failure } from "../report/failure.js";
import { escapeControl } from "../report/safe-text.js";
import type { UnderWay } from "../sift/http-types.js";
import type { StopSignal } from "./io.js";

/**
 * What a command was doing when Ctrl-C or SIGTERM came, in the words of the one line stderr
 * gets then and of the closing document: `interrupted by Ctrl-C (SIGINT) while waiting on the
 * API at https://api.example.com for its first answer (GET /api/v2/runs, sent 2.1 s ago)`.
 * A user who pressed Ctrl-C because nothing seemed to happen learns what hung.
 */

/** What the lifecycle knows of the command at the signal. */
export interface Activity {
  /** The API's requests, once a session is open. */
  api?: {
    /** `the API at https://api.example.com`, `the embedded emulator (--local)`. */
    name: string;
    underWay(): UnderWay;
    /** Requests sent so far. */
    sent(): number;
  };
  /**
   * What the command does when no request is under way: before its first request (`reading
   * the manifests`), and between them (`planning`).
   */
  offline: string;
  between: string;
}

/** `Ctrl-C (SIGINT)`, `SIGTERM`: how the signal is named to the user. */
export function signalName(signal: StopSignal): string {
  return signal === "SIGINT" ? "Ctrl-C (SIGINT)" : signal;
}

/** `waiting on the API at URL for its first answer (GET /api/v2/runs, sent 2.1 s ago)`, ... */
export function describeActivity(activity: Activity, nowMs = performance.now()): string {
  const { api } = activity;
  if (api === undefined) return activity.offline;
  const { requests, retrying, answered } = api.underWay();
  const at = escapeControl(api.name);
  const oldest = requests[0];
  if (oldest !== undefined) {
    const ago = `sent ${((nowMs - oldest.sinceMs) / 1000).toFixed(1)} s ago`;
    const many = plural(requests.length, "request");
    if (!answered) {
      const first = requests.length === 1 ? "" : `${many} under way, the oldest `;
      return `waiting on ${at} for its first answer (${first}${oldest.request}, ${ago})`;
    }
    const which = requests.length === 1 ? "" : "the oldest ";
    return `waiting on ${at} for ${many} under way (${which}${oldest.request}, ${ago})`;
  }
  if (retrying > 0) return `waiting to retry ${plural(retrying, "request")} to ${at}`;
  return api.sent() === 0 ? activity.offline : activity.between;
}

/** The document's failure and the stderr line's start: `interrupted by SIGTERM while ...`. */
export function interruptedFailure(signal: StopSignal, doing: string, outcome: string): Failure {
  return {
    code: "INTERRUPTED",
    message: `interrupted by ${signalName(signal)} while ${doing}: ${outcome}`,
    signal,
  };
}
