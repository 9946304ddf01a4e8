/**
 * Every request the client makes, named once: the RPC, its HTTP method and path (Sift's REST
 * API, sift-api.md). The client's requests, the messages that name a request
 * (`GET /api/v2/runs`), a filter's URL budget, doctor's checks and the emulator's routes all
 * read this table.
 */
export const API_OPERATIONS = {
  ListRuns: { method: "GET", path: "/api/v2/runs" },
  /** `{runId}` is the one path argument: the run's id, percent-encoded. */
  GetRun: { method: "GET", path: "/api/v2/runs/{runId}" },
  CreateRun: { method: "POST", path: "/api/v2/runs" },
  CreateAdhocRun: { method: "POST", path: "/api/v2/runs:adhoc" },
  UpdateRun: { method: "PATCH", path: "/api/v2/runs" },
  ListAssets: { method: "GET", path: "/api/v1/assets" },
  ListMetadataKeys: { method: "GET", path: "/api/v1/metadata-keys" },
  GetRunFilterFields: { method: "GET", path: "/api/v2/runs:filterFields" },
  ValidateRunFilter: { method: "POST", path: "/api/v2/runs:validateFilter" },
  ListTags: { method: "GET", path: "/api/v2/tags" },
} as const satisfies Record<string, { method: "GET" | "POST" | "PATCH"; path: string }>;

export type ApiOperation = keyof typeof API_OPERATIONS;

/** What a request is sent as: `{ operation: "GetRun", method: "GET", path: "/api/v2/runs/abc" }`. */
export function endpointOf<O extends ApiOperation>(
  operation: O,
  pathArg?: string,
): { operation: O; method: (typeof API_OPERATIONS)[O]["method"]; path: string } {
  const { method, path } = API_OPERATIONS[operation];
  return {
    operation,
    method,
    path: pathArg === undefined ? path : path.replace(/\{\w+\}/, encodeURIComponent(pathArg)),
  };
}

/** How messages name a request: `GET /api/v2/runs`. */
export function requestLineOf(operation: ApiOperation): string {
  const { method, path } = API_OPERATIONS[operation];
  return `${method} ${path}`;
}
