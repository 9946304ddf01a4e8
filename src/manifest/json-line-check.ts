/**
 * Whether a JSON text (already accepted by JSON.parse) can be read from JSON.parse's value
 * alone: no object repeats a key (JSON.parse would silently keep the last one) and every
 * number prints as written (`1.50`, `1e3` would lose their text, which a metadata key of
 * type string keeps). Lines that fail this go through the YAML reader, which reports
 * repeated keys and keeps number texts; this check is a single pass over the characters.
 */
export function isPlainJson(text: string): boolean {
  const keys: Set<string>[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = endOfString(text, i);
      const raw = text.slice(i, end);
      i = end;
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 0x3a /* : */ && keys.length > 0) {
        const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        const seen = keys[keys.length - 1]!;
        if (seen.has(key)) return false;
        seen.add(key);
      }
      continue;
    }
    if (c === 0x7b /* { */) keys.push(new Set());
    else if (c === 0x7d /* } */) keys.pop();
    else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < n && isNumberChar(text.charCodeAt(end))) end++;
      const token = text.slice(i, end);
      if (String(Number(token)) !== token) return false;
      i = end;
      continue;
    }
    i++;
  }
  return true;
}

/** The index after the closing quote of the string starting at `start`. */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 2;
    else if (c === 0x22 || Number.isNaN(c)) return i + 1;
    else i++;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isNumberChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d
  );
}
