import { API_PATHS } from "../sift/schemas.js";
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

type Handler = Omit<Route, "pathArg" | "body"> & { body?: boolean };

const RUN_PATH = `${API_PATHS.runs}/`;

const TABLE: Record<string, Record<string, Handler>> = {
  [API_PATHS.runs]: {
    GET: { operation: "ListRuns", write: false, call: (api, r) => api.listRuns(r.params) },
    POST: { operation: "CreateRun", write: true, call: (api, r) => api.createRun(r.body) },
    PATCH: { operation: "UpdateRun", write: true, call: (api, r) => api.updateRun(r.body) },
  },
  [API_PATHS.runFilterFields]: {
    GET: {
      operation: "GetRunFilterFields",
      write: false,
      call: (api) => api.runFilterFields(),
    },
  },
  [API_PATHS.validateRunFilter]: {
    POST: {
      operation: "ValidateRunFilter",
      write: false,
      body: true,
      call: (api, r) => api.validateRunFilter(r.body),
    },
  },
  [API_PATHS.adhocRuns]: {
    POST: {
      operation: "CreateAdhocRun",
      write: true,
      call: (api, r) => api.createAdhocRun(r.body),
    },
  },
  [RUN_PATH]: {
    GET: { operation: "GetRun", write: false, call: (api, r) => api.getRun(r.pathArg) },
  },
  [API_PATHS.assets]: {
    GET: { operation: "ListAssets", write: false, call: (api, r) => api.listAssets(r.params) },
  },
  [API_PATHS.tags]: {
    GET: { operation: "ListTags", write: false, call: (api, r) => api.listTags(r.params) },
  },
  [API_PATHS.metadataKeys]: {
    GET: {
      operation: "ListMetadataKeys",
      write: false,
      call: (api, r) => api.listMetadataKeys(r.params),
    },
  },
};

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
