import type { FieldValue } from "../plan/change.js";

/**
 * Why a change may look like no change on screen: `"Zoë" → "Zoë"` when one is NFC and the
 * other NFD, or when only whitespace differs. Undefined when the difference is visible.
 */
export function describeInvisibleChange(before: FieldValue, after: FieldValue): string | undefined {
  const a = textOf(before);
  const b = textOf(after);
  if (a === undefined || b === undefined || a === b) return undefined;
  const nfc = a.normalize("NFC") === b.normalize("NFC");
  if (nfc) return "only Unicode normalization (NFC/NFD) differs";
  const squeeze = (text: string) => text.normalize("NFC").replace(/\s+/gu, "");
  if (squeeze(a) !== squeeze(b)) return undefined;
  const sameNormalization = a.replace(/\s+/gu, "") === b.replace(/\s+/gu, "");
  return sameNormalization
    ? "only whitespace differs"
    : "only whitespace and Unicode normalization differ";
}

/** Strings, and lists of strings compared as a whole. */
function textOf(value: FieldValue): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.join("\u0000");
  return undefined;
}
