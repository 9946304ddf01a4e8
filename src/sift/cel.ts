/**
 * CEL literals for ListRuns / ListAssets filters. A manifest value pasted into a filter
 * unescaped changes the query's meaning (`x' || true || 'y` would match every run), so every
 * value goes through `celString`.
 */

/** Escapes with a short form in CEL (cel-spec "String and Bytes Literals"). */
const SHORT_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "'": "\\'",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** C0 and C1 controls, DEL, and the JS/JSON line separators: written as `\uXXXX`. */
const NEEDS_UNICODE_ESCAPE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** A filter field: `client_key`, `name`, `asset.name`. Never user input, but checked anyway. */
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * A single-quoted CEL string literal that means exactly `value`.
 * Other Unicode characters are kept as they are (CEL source is UTF-8).
 *
 * @example celString("it's") // => 'it\'s'
 * @throws TypeError for a string holding a lone UTF-16 surrogate: no CEL string (a sequence
 *   of Unicode code points) can mean it, and it cannot be sent as UTF-8 either.
 */
export function celString(value: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new TypeError("cannot write a string with a lone UTF-16 surrogate as a CEL literal");
  }
  let out = "'";
  for (const ch of value) {
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (NEEDS_UNICODE_ESCAPE.test(ch))
      out += "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + "'";
}

/**
 * `field in ['a', 'b']`, every value escaped.
 *
 * @example celIn("client_key", ["a", "b"]) // => client_key in ['a', 'b']
 */
export function celIn(field: string, values: readonly string[]): string {
  return `${checkField(field)} in [${values.map(celString).join(", ")}]`;
}

/** `field == 'value'`, escaped. */
export function celEquals(field: string, value: string): string {
  return `${checkField(field)} == ${celString(value)}`;
}

function checkField(field: string): string {
  if (!FIELD.test(field)) throw new TypeError(`not a CEL filter field: ${JSON.stringify(field)}`);
  return field;
}
