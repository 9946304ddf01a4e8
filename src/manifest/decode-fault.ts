import { open } from "node:fs/promises";
import { describeUtf8Fault, findUtf8Fault } from "./utf8.js";

/** A located problem as the CSV reader yields it. */
export interface DecodeProblem {
  kind: "problem";
  line: number;
  column?: number;
  message: string;
}

/**
 * The encoding a byte-order mark at the start of a file announces: a UTF-16 (LE or BE) or
 * UTF-8 mark wins over any encoding named by the user, since it cannot be a coincidence
 * in a CSV file's first bytes.
 */
export function detectBom(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return undefined;
}

/** Bytes read at a time while locating. */
const READ_BYTES = 1 << 16;

/**
 * Where a file stops being text in `encoding`, found after a fatal decoder gave up (it only
 * says "invalid"). UTF-8 has its own scanner, which names the byte. For other encodings the
 * file is decoded again up to `goodBytes` (which decoded before), counting lines, then byte
 * by byte until the decoder throws: slow, but only on the way to an error message.
 */
export async function locateDecodeFault(
  path: string,
  encoding: string,
  goodBytes: number,
): Promise<DecodeProblem> {
  if (encoding === "utf-8") {
    const fault = await findUtf8Fault(path);
    return fault
      ? {
          kind: "problem",
          line: fault.line,
          column: fault.column,
          message: describeUtf8Fault(fault),
        }
      : { kind: "problem", line: 1, message: "is not UTF-8 (expected UTF-8 text)" };
  }
  const decoder = new TextDecoder(encoding, { fatal: true });
  const where = { line: 1, column: 1 };
  const count = (text: string) => {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) where.line++;
    const last = text.lastIndexOf("\n");
    where.column = last === -1 ? where.column + text.length : text.length - last;
  };
  const message = `invalid ${encoding} text (expected ${encoding}: is the file in another encoding? name it with --encoding, or encoding: in the config's source)`;
  const file = await open(path);
  try {
    const buffer = Buffer.alloc(READ_BYTES);
    let position = 0;
    for (;;) {
      const want = position < goodBytes ? Math.min(READ_BYTES, goodBytes - position) : READ_BYTES;
      const { bytesRead } = await file.read(buffer, 0, want, position);
      if (bytesRead === 0) break;
      if (position < goodBytes) {
        count(decoder.decode(buffer.subarray(0, bytesRead), { stream: true }));
        position += bytesRead;
        continue;
      }
      for (let i = 0; i < bytesRead; i++) {
        try {
          count(decoder.decode(buffer.subarray(i, i + 1), { stream: true }));
        } catch {
          return { kind: "problem", line: where.line, column: where.column, message };
        }
      }
      position += bytesRead;
    }
    decoder.decode();
  } catch {
    // cut off by the end of the file
  } finally {
    await file.close();
  }
  return { kind: "problem", line: where.line, column: where.column, message };
}
