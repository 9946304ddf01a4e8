import type { Logger } from "../core/logger.js";
import type { SiftClient } from "../sift/client.js";
import type { Recorder } from "./recorder.js";

/** What every online check gets: the client, what the wire carried, and where Sift is. */
export interface DoctorContext {
  client: SiftClient;
  recorder: Recorder;
  /** The API base URL the client talks to (the embedded emulator's with --local). */
  baseUrl: string;
  /** `--local`: the embedded emulator (no DNS, TLS or proxy to check). */
  local: boolean;
  /** Where the URL and the key came from, for hints: `SIFT_REST_URI`, `profile staging`. */
  urlSource: string;
  keySource: string;
  /** The key as it may be shown: its last 4 characters (`…a1b2`), never more. */
  keyHint: string;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  logger?: Logger;
}
