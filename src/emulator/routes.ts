import { API_OPERATIONS } from "../sift/api-operations.js";
import type { Api } from "./api.js";
import { ApiFailure, invalidArgument } from "./api-error.js";
import type { Operation } from "./types.js";

interface RouteRequest {
  params: URLSearchParams;
  body: unknown;
  /** The `{runId}` of GetRun, percent-decoded. */
  pathArg: string;
}

export interface Route {
  operation: Operation;
  /** Writes read a JSON body and are persisted before they are answered. */
  write: boolean;
  /** Reads a JSON body (every write does; ValidateRunFilter too). */
  body: boolean;
  pathArg: string;
  call(api: Api, request: RouteRequest): object;
}

type Handler = Omit<Route, "operation" | "pathArg" | "body"> & { body?: boolean };

/** What the emulator does for each operation; its method and path are the client's (API_OPERATIONS). */
const HANDLERS: Record<Operation, Handler> = {
  ListRuns: { write: false, call: (api, r) => api.listRuns(r.params) },
  GetRun: { write: false, call: (api, r) => api.getRun(r.pathArg) },
  CreateRun: { write: true, call: (api, r) => api.createRun(r.body) },
  CreateAdhocRun: { write: true, call: (api, r) => api.createAdhocRun(r.body) },
  UpdateRun: { write: true, call: (api, r) => api.updateRun(r.body) },
  ListAssets: { write: false, call: (api, r) => api.listAssets(r.params) },
  ListMetadataKeys: { write: false, call: (api, r) => api.listMetadataKeys(r.params) },
  GetRunFilterFields: { write: false, call: (api) => api.runFilterFields() },
  ValidateRunFilter: { write: false, body: true, call: (api, r) => api.validateRunFilter(r.body) },
  ListTags: { write: false, call: (api, r) => api.listTags(r.params) },
};

/** GetRun's path up to its `{runId}`: `/api/v2/runs/`. */
const RUN_PATH = API_OPERATIONS.GetRun.path.slice(0, API_OPERATIONS.GetRun.path.indexOf("{"));

/** path → method → route; a path with an argument is keyed by what precedes it. */
const TABLE: Record<string, Record<string, Handler & { operation: Operation }>> = {};
for (const [operation, { method, path }] of Object.entries(API_OPERATIONS)) {
  const key = path.includes("{") ? path.slice(0, path.indexOf("{")) : path;
  (TABLE[key] ??= {})[method] = {
    operation: operation as Operation,
    ...HANDLERS[operation as Operation],
  };
}

/**
 * The route of `method pathname`. NOTE: like grpc-gateway, an unknown path is 404 and a
 * known path with another method is 405 (code 12).
 */
export function matchRoute(method: string, pathname: string): Route {
  let path = pathname;
  let pathArg = "";
  if (pathname.startsWith(RUN_PATH) && pathname.length > RUN_PATH.length) {
    const segment = pathname.slice(RUN_PATH.length);
    if (segment.includes("/")) throw new ApiFailure("NOT_FOUND", "Not Found");
    path = RUN_PATH;
    pathArg = decodePathSegment(segment);
  }
  const methods = TABLE[path];
  if (methods === undefined || (path === RUN_PATH && pathArg === "")) {
    throw new ApiFailure("NOT_FOUND", "Not Found");
  }
  const handler = methods[method];
  if (handler === undefined) throw new ApiFailure("UNIMPLEMENTED", "Method Not Allowed");
  return { ...handler, body: handler.body ?? handler.write, pathArg };
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidArgument(`malformed path segment "${segment}"`);
  }
}
