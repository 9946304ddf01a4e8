import { setOwn } from "./values.js";

/**
 * The cell texts a sync config's `nulls:` declares as "not managed", like a blank cell
 * (`["NULL", "\\N", "N/A"]`), trimmed. `has` runs for every cell of million-row exports:
 * a cell whose length or first character no token has is ruled out before the Set is
 * asked, since hashing each fresh cell string cost more than the rest of the check.
 *
 * @example
 * const nulls = new NullCells(["NULL", "N/A"]);
 * nulls.has("N/A"); // true
 */
export class NullCells {
  static readonly NONE = new NullCells([]);

  private readonly texts: ReadonlySet<string>;
  /** Bit n is set when a token is n characters long (n < 31). */
  private readonly shortLengths: number = 0;
  private readonly longest: number = -1;
  private readonly firstCodes: number[] = [];

  constructor(texts: Iterable<string>) {
    this.texts = new Set([...texts].map((text) => text.trim()));
    for (const text of this.texts) {
      if (text.length < 31) this.shortLengths |= 1 << text.length;
      this.longest = Math.max(this.longest, text.length);
      if (!this.firstCodes.includes(text.charCodeAt(0))) this.firstCodes.push(text.charCodeAt(0));
    }
  }

  get size(): number {
    return this.texts.size;
  }

  /** Whether a trimmed cell text is one of the tokens. */
  has(text: string): boolean {
    const n = text.length;
    if (n > this.longest) return false;
    if (n < 31 && (this.shortLengths & (1 << n)) === 0) return false;
    if (n > 0 && !this.firstCodes.includes(text.charCodeAt(0))) return false;
    return this.texts.has(text);
  }

  /** The tokens, for messages and `--show`. */
  values(): IterableIterator<string> {
    return this.texts.values();
  }
}

/**
 * A YAML/JSON run with each text that is a token (a field's, or a metadata key's) as `null`,
 * which the run reader takes as "not managed"; the same object when there is none.
 */
export function withoutNullTokens(run: unknown, nulls: NullCells): unknown {
  if (nulls.size === 0 || !isRecord(run)) return run;
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(run)) {
    const cleared = key === "metadata" ? withoutNullTokens(value, nulls) : clearToken(value, nulls);
    if (cleared === value) continue;
    copy ??= { ...run };
    setOwn(copy, key, cleared);
  }
  return copy ?? run;
}

function clearToken(value: unknown, nulls: NullCells): unknown {
  return typeof value === "string" && nulls.has(value.trim()) ? null : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
