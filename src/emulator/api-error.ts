import { GRPC, HTTP_STATUS_OF_GRPC } from "../sift/schemas.js";

type GrpcName = keyof typeof GRPC | "UNIMPLEMENTED";

/** grpc-gateway answers a known path with the wrong method 405, code 12 (UNIMPLEMENTED). */
const UNIMPLEMENTED = 12;
const METHOD_NOT_ALLOWED = 405;

/**
 * An error the emulator answers with: a gRPC code and a message, sent as
 * `{code, message, details: []}` with the matching HTTP status. Handlers throw it; the
 * server's one catch turns it into the answer.
 */
export class ApiFailure extends Error {
  readonly grpcCode: number;
  readonly status: number;
  constructor(code: GrpcName, message: string) {
    super(message);
    this.grpcCode = code === "UNIMPLEMENTED" ? UNIMPLEMENTED : GRPC[code];
    this.status =
      code === "UNIMPLEMENTED" ? METHOD_NOT_ALLOWED : (HTTP_STATUS_OF_GRPC[this.grpcCode] ?? 500);
  }
}

export function invalidArgument(message: string): ApiFailure {
  return new ApiFailure("INVALID_ARGUMENT", message);
}

export function notFound(message: string): ApiFailure {
  return new ApiFailure("NOT_FOUND", message);
}
