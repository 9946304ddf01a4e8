import type { TemplatePart } from "./mapping.js";

/** Whether a field given as a string is a template (holds `{`) rather than a column name. */
export function isTemplate(text: string): boolean {
  return text.includes("{");
}

/**
 * `TS-{Test ID}` → `["TS-", {column: "Test ID"}]`; `{{` and `}}` are literal braces. A
 * string saying what is wrong when the braces do not pair up.
 */
export function parseTemplate(text: string): TemplatePart[] | string {
  const parts: TemplatePart[] = [];
  let literal = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ((c === "{" || c === "}") && text[i + 1] === c) {
      literal += c;
      i++;
      continue;
    }
    if (c === "}")
      return `has a "}" at character ${i + 1} that closes nothing (write }} for a brace)`;
    if (c !== "{") {
      literal += c;
      continue;
    }
    const end = text.indexOf("}", i + 1);
    if (end === -1)
      return `has a "{" at character ${i + 1} that is never closed (write {{ for a brace)`;
    const column = text.slice(i + 1, end).trim();
    if (column === "" || column.includes("{")) {
      return `has an empty or nested {} at character ${i + 1} (expected {Column})`;
    }
    if (literal !== "") parts.push(literal);
    literal = "";
    parts.push({ column });
    i = end;
  }
  if (literal !== "") parts.push(literal);
  return parts;
}
