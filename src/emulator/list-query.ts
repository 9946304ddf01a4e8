import { invalidArgument } from "./api-error.js";

/** The query of a List call, as sent. */
export interface ListQuery {
  pageSize: number;
  pageToken: string;
  filter: string;
  orderBy: string;
}

/** NOTE: page size 0 or absent means 50; above 1000 it is coerced to 1000, not refused. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * Reads `pageSize`, `pageToken`, `filter`, `orderBy` (or their snake_case names, which
 * grpc-gateway accepts too). Unknown parameters are ignored, as grpc-gateway does; a
 * parameter given twice is an error.
 */
export function readListQuery(params: URLSearchParams): ListQuery {
  const size = readParam(params, "pageSize", "page_size");
  let pageSize = DEFAULT_PAGE_SIZE;
  if (size !== "") {
    if (!/^-?\d+$/.test(size)) throw invalidArgument(`page_size: "${size}" is not an integer`);
    const n = Number(size);
    if (n < 0) throw invalidArgument("page_size cannot be negative");
    pageSize = n === 0 ? DEFAULT_PAGE_SIZE : Math.min(n, MAX_PAGE_SIZE);
  }
  return {
    pageSize,
    pageToken: readParam(params, "pageToken", "page_token"),
    filter: readParam(params, "filter", "filter"),
    orderBy: readParam(params, "orderBy", "order_by"),
  };
}

function readParam(params: URLSearchParams, camel: string, snake: string): string {
  const values = [...params.getAll(camel), ...(snake === camel ? [] : params.getAll(snake))];
  if (values.length > 1) throw invalidArgument(`too many values for parameter "${camel}"`);
  return values[0] ?? "";
}

/** `sift.tags.v2.TagType`, by name; protojson reads a query enum by name or number. */
const TAG_TYPES = [
  "TAG_TYPE_UNSPECIFIED",
  "TAG_TYPE_ANNOTATION",
  "TAG_TYPE_ASSET",
  "TAG_TYPE_CAMPAIGN",
  "TAG_TYPE_REPORT",
  "TAG_TYPE_REPORT_TEMPLATE",
  "TAG_TYPE_RUN",
] as const;
export type TagType = (typeof TAG_TYPES)[number];

/** ListTags' `tagType` (or `tag_type`); undefined when absent or unspecified (every tag). */
export function readTagType(params: URLSearchParams): TagType | undefined {
  const text = readParam(params, "tagType", "tag_type");
  if (text === "") return undefined;
  const type = /^\d+$/.test(text)
    ? TAG_TYPES[Number(text)]
    : TAG_TYPES.find((name) => name === text);
  if (type === undefined) {
    throw invalidArgument(`tag_type: "${text}" is not one of ${TAG_TYPES.join(", ")}`);
  }
  return type === "TAG_TYPE_UNSPECIFIED" ? undefined : type;
}
