/**
 * runIds and modifiedDates in fixed bytes. Only values that come back exactly as they were
 * are stored: a lowercase UUID, and a timestamp in protojson's canonical form (UTC `Z`, 0, 3,
 * 6 or 9 fractional digits). Anything else is not cached (the row is simply looked up).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX = "0123456789abcdef";

/** Writes the UUID's 16 bytes at `at`; false when `runId` is not a lowercase UUID. */
export function packRunId(runId: string, into: Uint8Array, at: number): boolean {
  if (!UUID.test(runId)) return false;
  const hex = runId.replaceAll("-", "");
  for (let i = 0; i < 16; i++) into[at + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return true;
}

export function unpackRunId(from: Uint8Array, at: number): string {
  let text = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text += "-";
    const byte = from[at + i]!;
    text += HEX[byte >> 4]! + HEX[byte & 15]!;
  }
  return text;
}

const CANONICAL = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{3}|\d{6}|\d{9}))?Z$/;

/** [seconds since 1970, nanos], or undefined when the text would not come back the same. */
export function packTimestamp(text: string): [number, number] | undefined {
  const m = CANONICAL.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(ms)) return undefined;
  const nanos = m[2] === undefined ? 0 : Number(m[2].padEnd(9, "0"));
  const packed: [number, number] = [ms / 1000, nanos];
  return unpackTimestamp(packed[0], packed[1]) === text ? packed : undefined;
}

export function unpackTimestamp(seconds: number, nanos: number): string {
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${whole}Z`;
  const digits = String(nanos).padStart(9, "0");
  const width = nanos % 1_000_000 === 0 ? 3 : nanos % 1_000 === 0 ? 6 : 9;
  return `${whole}.${digits.slice(0, width)}Z`;
}

/** `text` (canonical) moved back by `seconds`, canonical again: the listing's lower bound. */
export function timestampMinus(text: string, seconds: number): string {
  const packed = packTimestamp(text);
  if (packed === undefined) throw new Error(`not a canonical timestamp: ${text}`);
  return unpackTimestamp(packed[0] - seconds, packed[1]);
}
