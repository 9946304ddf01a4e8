/** Reading a plan file line by line, with a bound on each line. */

/** A line longer than the bound: the reader stops there instead of holding it. */
export class LineTooLong extends Error {}

/**
 * The lines of a text stream (LF or CRLF), each at most `max` characters: a longer one throws
 * LineTooLong once that much of it has been read, never holding more.
 */
export async function* boundedLines(
  input: AsyncIterable<string>,
  max: number,
): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of input) {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf("\n", start);
      if (end === -1) {
        pending += chunk.slice(start);
        if (pending.length > max) throw new LineTooLong();
        break;
      }
      const line = pending + chunk.slice(start, end);
      pending = "";
      start = end + 1;
      if (line.length > max + 1) throw new LineTooLong();
      yield line.endsWith("\r") ? line.slice(0, -1) : line;
    }
  }
  if (pending !== "") yield pending.endsWith("\r") ? pending.slice(0, -1) : pending;
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toLocaleString("en-US", { maximumFractionDigits: 1 })} MiB`;
}
