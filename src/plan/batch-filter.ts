import { celString } from "../sift/cel.js";
import { encodeQueryComponent } from "../sift/url.js";

/** The API's page size limit: a batch never holds more values than one page can return. */
export const MAX_BATCH_VALUES = 1000;

const COMMA_BYTES = encodeQueryComponent(",").length;

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
