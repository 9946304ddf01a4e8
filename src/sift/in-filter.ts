import { type ApiOperation, API_OPERATIONS } from "./api-operations.js";
import { celString } from "./cel.js";
import { encodeQueryComponent, MAX_URL_BYTES } from "./url.js";

/**
 * Filters that list many things in few requests: `field in [...]` batches and `(a || b || ...)`
 * disjunctions, each as long as one request URL may be.
 */

/** The API's page size limit: a batch never holds more values than one page can return. */
export const MAX_BATCH_VALUES = 1000;

const COMMA_BYTES = encodeQueryComponent(",").length;
const OR_BYTES = encodeQueryComponent(" || ").length;
/** Room left in the URL for `?pageSize=1000&filter=` and a pageToken on later pages. */
const URL_RESERVE_BYTES = 512;

/** How many URL bytes a filter of `operation` may take against this client's base URL. */
export function filterBudget(
  client: { readonly baseUrl: string },
  operation: ApiOperation,
): number {
  const { path } = API_OPERATIONS[operation];
  return MAX_URL_BYTES - client.baseUrl.length - path.length - URL_RESERVE_BYTES;
}

/**
 * Collects values for one `field in [...]` filter until its URL-encoded form (exactly as the
 * client sends it) would pass `budgetBytes`. Each value is escaped as a CEL string literal, so a manifest value can never
 * change a filter's meaning. Compact separators (`,` without a space) fit ~20% more per request.
 */
export class InFilterBatch {
  private literals: string[] = [];
  private bytes: number;
  private readonly emptyBytes: number;

  constructor(
    private readonly field: string,
    private readonly budgetBytes: number,
    /** How a value is written in the list: a CEL string by default (`timestamp('...')`, a number). */
    private readonly toLiteral: (value: string) => string = celString,
  ) {
    this.emptyBytes = encodeQueryComponent(`${field} in []`).length;
    this.bytes = this.emptyBytes;
  }

  get size(): number {
    return this.literals.length;
  }

  /** Adds `value` if it fits; false when the batch is full (the caller starts a new one). */
  tryAdd(value: string): boolean {
    const literal = this.toLiteral(value);
    const added =
      encodeQueryComponent(literal).length + (this.literals.length > 0 ? COMMA_BYTES : 0);
    if (this.literals.length >= MAX_BATCH_VALUES) return false;
    if (this.bytes + added > this.budgetBytes) {
      if (this.literals.length > 0) return false;
      throw new RangeError(
        `a ${this.field} of ${value.length} characters does not fit in one request URL`,
      );
    }
    this.literals.push(literal);
    this.bytes += added;
    return true;
  }

  filter(): string {
    return `${this.field} in [${this.literals.join(",")}]`;
  }
}

/** Splits `values` into `field in [...]` filters that each fit `budgetBytes` once URL-encoded. */
export function batchInFilters(
  field: string,
  values: Iterable<string>,
  budgetBytes: number,
  toLiteral?: (value: string) => string,
): string[] {
  const filters: string[] = [];
  let batch = new InFilterBatch(field, budgetBytes, toLiteral);
  for (const value of values) {
    if (batch.tryAdd(value)) continue;
    filters.push(batch.filter());
    batch = new InFilterBatch(field, budgetBytes, toLiteral);
    batch.tryAdd(value);
  }
  if (batch.size > 0) filters.push(batch.filter());
  return filters;
}

/**
 * `prefix(c1 || c2 || ...)` filters, each within `budget` bytes once URL-encoded and at most
 * MAX_BATCH_VALUES clauses. A clause that cannot fit even alone is a bug (they are short).
 */
export function batchDisjunctions(
  prefix: string,
  clauses: readonly string[],
  budget: number,
): string[] {
  const emptyBytes = encodeQueryComponent(`${prefix}()`).length;
  const filters: string[] = [];
  let batch: string[] = [];
  let bytes = emptyBytes;
  const flush = () => {
    if (batch.length > 0) filters.push(`${prefix}(${batch.join(" || ")})`);
    batch = [];
    bytes = emptyBytes;
  };
  for (const clause of clauses) {
    const added = encodeQueryComponent(clause).length + (batch.length > 0 ? OR_BYTES : 0);
    if (batch.length >= MAX_BATCH_VALUES || (batch.length > 0 && bytes + added > budget)) flush();
    const cost = encodeQueryComponent(clause).length + (batch.length > 0 ? OR_BYTES : 0);
    if (bytes + cost > budget) {
      throw new RangeError(
        `a filter clause of ${clause.length} characters does not fit in one request URL`,
      );
    }
    batch.push(clause);
    bytes += cost;
  }
  flush();
  return filters;
}
