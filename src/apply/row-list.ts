import { resized } from "../core/key-hash.js";
import type { RowRef } from "./work.js";

const INITIAL_ROWS = 1024;
const INITIAL_ARENA_BYTES = 16 * 1024;
/** A place's line is stored plus one: 0 says the place has no `:line` (kept whole as its file). */
const NO_LINE = 0;
/** The largest line kept as a number (plus one, it still fits a Uint32). */
const MAX_LINE = 0xffff_fffe;

type Action = NonNullable<RowRef["action"]>;
/** Each action's code (a Record: a new action must be given one). */
const ACTION_CODES: Record<Action, number> = {
  create: 0,
  update: 1,
  adopt: 2,
  unarchive: 3,
  archive: 4,
  unchanged: 5,
  invalid: 6,
  skip: 7,
  unplanned: 8,
};
const ACTIONS: Action[] = [];
for (const [action, code] of Object.entries(ACTION_CODES)) ACTIONS[code] = action as Action;
/** No action kept (a row given without one). */
const NO_ACTION = 255;

/**
 * Rows (clientKey, place, action) kept in order, compactly, so that a stop names them from
 * memory: a saved plan of a million changes is not read again (~16,000 changes a second) to
 * list the ones not reached. The keys are UTF-8 bytes in one arena; a place `file:line` is the
 * index of its file among the few files seen, and its line; so about 13 bytes and the key's a
 * row (~22 B for `nu-000000` at `big.csv:2`), where an array of objects cost ~150 B.
 */
export class RowList {
  private arena = Buffer.allocUnsafe(INITIAL_ARENA_BYTES);
  private arenaUsed = 0;
  /** Per row: where its key's bytes start (row i ends where i + 1 starts). */
  private starts = new Uint32Array(INITIAL_ROWS + 1);
  private files = new Uint32Array(INITIAL_ROWS);
  private lines = new Uint32Array(INITIAL_ROWS);
  private actions = new Uint8Array(INITIAL_ROWS);
  private count = 0;
  /** The files (a place without `:line`: the whole place) by index, and their indexes. */
  private readonly names: string[] = [];
  private readonly indexes = new Map<string, number>();

  get size(): number {
    return this.count;
  }

  /** Bytes held (the arrays as allocated): ~100 B a row at most, for a plan of any size. */
  get bytes(): number {
    return (
      this.arena.length +
      this.starts.byteLength +
      this.files.byteLength +
      this.lines.byteLength +
      this.actions.byteLength
    );
  }

  add(clientKey: string, source: string, action?: Action): void {
    if (this.count === this.files.length) this.grow();
    const row = this.count++;
    this.writeKey(clientKey);
    this.starts[row + 1] = this.arenaUsed;
    this.actions[row] = action === undefined ? NO_ACTION : ACTION_CODES[action];
    const colon = source.lastIndexOf(":");
    const line = colon === -1 ? NaN : lineOf(source, colon + 1);
    if (Number.isNaN(line)) {
      this.files[row] = this.fileIndex(source);
      this.lines[row] = NO_LINE;
    } else {
      this.files[row] = this.fileIndex(source.slice(0, colon));
      this.lines[row] = line + 1;
    }
  }

  /** The rows from the `from`th on, in the order they were added, as they were given. */
  *refs(from = 0): Generator<RowRef> {
    for (let row = Math.max(0, from); row < this.count; row++) {
      const clientKey = this.arena.toString("utf8", this.starts[row]!, this.starts[row + 1]!);
      const file = this.names[this.files[row]!]!;
      const line = this.lines[row]!;
      const source = line === NO_LINE ? file : `${file}:${line - 1}`;
      const code = this.actions[row]!;
      yield code === NO_ACTION
        ? { clientKey, source }
        : { clientKey, source, action: ACTIONS[code]! };
    }
  }

  private writeKey(clientKey: string): void {
    const most = clientKey.length * 3;
    if (this.arenaUsed + most > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + most));
      this.arena.copy(bigger, 0, 0, this.arenaUsed);
      this.arena = bigger;
    }
    // An ASCII key (the usual one) is copied in a loop: Buffer#write is a call into C++ a key.
    const start = this.arenaUsed;
    for (let i = 0; i < clientKey.length; i++) {
      const c = clientKey.charCodeAt(i);
      if (c >= 0x80) {
        this.arenaUsed += this.arena.write(clientKey, start, "utf8");
        return;
      }
      this.arena[start + i] = c;
    }
    this.arenaUsed += clientKey.length;
  }

  private fileIndex(file: string): number {
    // Rows come file after file: the last one is almost always the one.
    const last = this.names.length - 1;
    if (last >= 0 && this.names[last] === file) return last;
    let index = this.indexes.get(file);
    if (index === undefined) {
      index = this.names.push(file) - 1;
      this.indexes.set(file, index);
    }
    return index;
  }

  private grow(): void {
    const capacity = this.files.length * 2;
    this.starts = resized(this.starts, capacity + 1);
    this.files = resized(this.files, capacity);
    this.lines = resized(this.lines, capacity);
    this.actions = resized(this.actions, capacity);
  }
}

/** The line after a place's last `:`, if it is one written as `formatSource` writes it; else NaN. */
function lineOf(source: string, from: number): number {
  const digits = source.length - from;
  // NOTE: no sign, no leading zero, at most 10 digits: the text comes back exactly as it was.
  if (digits === 0 || digits > 10 || (digits > 1 && source.charCodeAt(from) === 0x30)) return NaN;
  let line = 0;
  for (let i = from; i < source.length; i++) {
    const d = source.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return NaN;
    line = line * 10 + d;
  }
  return line > MAX_LINE ? NaN : line;
}
