import { createReadStream } from "node:fs";

/**
 * Where a file stops being UTF-8. Decoding uses a fatal TextDecoder (fast, but it only says
 * "invalid"); when it fails, this scanner finds the line and column of the first bad byte so
 * the message can point at it, instead of the reader silently producing mojibake.
 */
export interface Utf8Fault {
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** The first byte that cannot be read, e.g. `0xE9`. */
  byte: string;
}

export function describeUtf8Fault(fault: Utf8Fault): string {
  return `invalid UTF-8 byte ${fault.byte} (expected UTF-8 text: save the file as UTF-8)`;
}

/** Scans bytes chunk by chunk, remembering a sequence cut by a chunk boundary. */
class Utf8Scanner {
  private line = 1;
  private column = 1;
  /** Continuation bytes still expected by the sequence in progress. */
  private need = 0;
  /** The allowed range of the next continuation byte (narrower after E0, ED, F0, F4). */
  private low = 0x80;
  private high = 0xbf;
  private startByte = 0;

  /** The first fault in `bytes`, or undefined when they are fine so far. */
  push(bytes: Uint8Array): Utf8Fault | undefined {
    for (const b of bytes) {
      if (this.need > 0) {
        if (b < this.low || b > this.high) return this.fault(this.startByte);
        this.low = 0x80;
        this.high = 0xbf;
        this.need--;
        if (this.need === 0) this.column++;
        continue;
      }
      if (b < 0x80) {
        if (b === 0x0a) {
          this.line++;
          this.column = 1;
        } else {
          this.column++;
        }
        continue;
      }
      this.startByte = b;
      if (b >= 0xc2 && b <= 0xdf) this.need = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        this.need = 2;
        if (b === 0xe0) this.low = 0xa0;
        if (b === 0xed) this.high = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        this.need = 3;
        if (b === 0xf0) this.low = 0x90;
        if (b === 0xf4) this.high = 0x8f;
      } else return this.fault(b);
    }
    return undefined;
  }

  /** A sequence cut off by the end of the file. */
  end(): Utf8Fault | undefined {
    return this.need > 0 ? this.fault(this.startByte) : undefined;
  }

  private fault(byte: number): Utf8Fault {
    return {
      line: this.line,
      column: this.column,
      byte: "0x" + byte.toString(16).toUpperCase().padStart(2, "0"),
    };
  }
}

/** Finds the first invalid UTF-8 byte of a file, streaming it (the file may be large). */
export async function findUtf8Fault(path: string): Promise<Utf8Fault | undefined> {
  const scanner = new Utf8Scanner();
  for await (const chunk of createReadStream(path)) {
    const fault = scanner.push(chunk as Buffer);
    if (fault) return fault;
  }
  return scanner.end();
}

/** Finds the first invalid UTF-8 byte of bytes already in memory. */
export function findUtf8FaultIn(bytes: Uint8Array): Utf8Fault | undefined {
  const scanner = new Utf8Scanner();
  return scanner.push(bytes) ?? scanner.end();
}
