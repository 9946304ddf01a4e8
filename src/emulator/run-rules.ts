import {
  type ClientKeyCheck,
  isSiftClientKey,
  SIFT_CLIENT_KEY_MESSAGE,
} from "../core/client-key.js";
import type { Timestamp } from "../time/timestamp.js";
import { ApiFailure, invalidArgument } from "./api-error.js";
import { ORGANIZATION_ID, type Store } from "./store.js";
import { isBefore } from "./time-text.js";
import type { StoredRun } from "./types.js";

/** The checks the real API makes on run fields, shared by CreateRun, CreateAdhocRun and UpdateRun. */

export function requireName(name: string | undefined, field: string): string {
  if (name === undefined || name.trim() === "") throw invalidArgument(`${field} is required`);
  return name;
}

/** NOTE: start must be before stop, and a stop time needs a start time. */
export function checkTimes(start: Timestamp | undefined, stop: Timestamp | undefined): void {
  if (stop !== undefined && start === undefined) {
    throw invalidArgument("stop_time requires start_time");
  }
  if (start !== undefined && stop !== undefined && !isBefore(start, stop)) {
    throw invalidArgument(`start_time (${start}) must be before stop_time (${stop})`);
  }
}

/** Tags are names, stored trimmed (NOTE: as Sift does); a run holds each once. */
export function readTags(tags: string[] | undefined): string[] {
  const out: string[] = [];
  for (const tag of tags ?? []) {
    const name = tag.trim();
    if (name === "") throw invalidArgument("tags: a tag name cannot be empty");
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export function checkOrganization(organizationId: string | undefined): void {
  if (organizationId !== undefined && organizationId !== "" && organizationId !== ORGANIZATION_ID) {
    throw new ApiFailure(
      "PERMISSION_DENIED",
      `organization "${organizationId}" is not accessible with this key`,
    );
  }
}

/**
 * NOTE: Sift's CreateRun and CreateAdhocRun refuse a clientKey outside its rule
 * (buf.validate, src/core/client-key.ts); runs made before the rule (seeded) may hold any key,
 * and whether UpdateRun checks a key set by adoption is unknown (it is not checked here).
 */
export function checkNewClientKey(clientKey: string | undefined, check: ClientKeyCheck): void {
  if (clientKey === undefined || clientKey === "" || check === "off") return;
  if (!isSiftClientKey(clientKey)) {
    throw invalidArgument(`validation error: client_key: ${SIFT_CLIENT_KEY_MESSAGE}`);
  }
}

/** A clientKey for a new run: non-empty and not used by any run of the organization. */
export function claimClientKey(store: Store, clientKey: string | undefined): string | undefined {
  if (clientKey === undefined) return undefined;
  if (clientKey === "") throw invalidArgument("client_key cannot be empty");
  const holder = store.findRunByClientKey(clientKey);
  if (holder !== undefined) {
    throw new ApiFailure(
      "ALREADY_EXISTS",
      `a run with client_key "${clientKey}" already exists (run_id ${holder.runId})`,
    );
  }
  return clientKey;
}

/**
 * The clientKey after an UpdateRun that masks `clientKey`. NOTE: it can be set once; the
 * same value again is a no-op, any other change (or clearing it) is refused.
 */
export function changeClientKey(
  store: Store,
  run: StoredRun,
  next: string | undefined,
): string | undefined {
  if (next === run.clientKey) return next;
  if (run.clientKey !== undefined) {
    throw new ApiFailure(
      "INVALID_ARGUMENT",
      `client_key of run ${run.runId} is "${run.clientKey}" and cannot be changed once set`,
    );
  }
  return claimClientKey(store, next);
}
