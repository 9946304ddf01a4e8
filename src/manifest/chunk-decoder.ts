import { TextDecoder } from "node:util";

/**
 * Decodes a file's bytes chunk by chunk, as `TextDecoder.decode(chunk, { stream: true })`
 * does (a TextDecoder is one), throwing on bytes that are not text in the encoding.
 */
export interface ChunkDecoder {
  /** The WHATWG name of the encoding (`windows-1252` also for the label `latin1`). */
  readonly encoding: string;
  decode(bytes?: Uint8Array, options?: { stream?: boolean }): string;
}

/**
 * A fatal streaming decoder for `encoding` (a WHATWG label). Windows-1252 (which the labels
 * `latin1`, `iso-8859-1` and `ascii` also name) gets a decoder of its own, a faster one: Buffer's `latin1` decoding is a plain copy into a one-byte string, and only chunks
 * holding a byte in 0x80–0x9F (where the two differ: `€`, `’`, `“`, `–`) need a second pass.
 * NOTE the table is written out rather than asked of TextDecoder: since Node 20.18.3 a
 * non-streaming `decode` of windows-1252 is ISO-8859-1 (nodejs/node#60888); the streaming
 * one, which the tests compare against, goes through ICU and is right.
 */
export function createChunkDecoder(encoding: string): ChunkDecoder {
  const decoder = new TextDecoder(encoding, { fatal: true });
  return decoder.encoding === "windows-1252" ? new Windows1252Decoder() : decoder;
}

/**
 * The bytes 0x80–0x9F in Windows-1252, from the WHATWG Encoding Standard's
 * index-windows-1252 (the five bytes Microsoft left undefined stay C1 controls there).
 */
const WINDOWS_1252_C1 = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039,
  0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
  0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
] as const;
const C1_CHARACTERS = WINDOWS_1252_C1.map((code) => String.fromCharCode(code));
const C1 = /[\x80-\x9f]/;
const C1_ALL = /[\x80-\x9f]/g;
const fromC1 = (c: string): string => C1_CHARACTERS[c.charCodeAt(0) - 0x80]!;

/**
 * Windows-1252 as WHATWG defines it: every byte is one character, so it never throws and
 * keeps no state between chunks; no byte-order mark is dropped (none exists).
 */
export class Windows1252Decoder implements ChunkDecoder {
  readonly encoding = "windows-1252";

  decode(bytes?: Uint8Array): string {
    if (bytes === undefined || bytes.length === 0) return "";
    return decodeWindows1252(bytes);
  }
}

/** The text of `bytes` in Windows-1252: Latin-1 with 0x80–0x9F replaced where they occur. */
export function decodeWindows1252(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  return C1.test(text) ? text.replace(C1_ALL, fromC1) : text;
}
