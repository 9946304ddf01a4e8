import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EntryOrder } from "../../src/cache/cache-columns.js";

/** The order as the save made it before EntryOrder: a flag per entry and an order of all. */
function reference(count: number, alive: Uint8Array, files: number[][]) {
  const placed = new Uint8Array(count);
  const order: number[] = [];
  const accepted = files.map((entries) => {
    if (entries.some((i) => i >= count || !alive[i] || placed[i])) return false;
    for (const i of entries) {
      placed[i] = 1;
      order.push(i);
    }
    return true;
  });
  for (let i = 0; i < count; i++) if (alive[i] && !placed[i]) order.push(i);
  return { accepted, order };
}

describe("the order a save writes entries in", () => {
  it("places files as a flag per entry would, and is 'as they lie' exactly when it is", () => {
    const caseArb = fc.integer({ min: 0, max: 40 }).chain((count) =>
      fc.record({
        count: fc.constant(count),
        dead: fc.uniqueArray(fc.nat(Math.max(0, count - 1)), { maxLength: 3 }),
        files: fc.array(
          fc.oneof(
            // the next entries (a night that changed nothing), or any (one that moved rows)
            fc
              .record({ from: fc.nat(count), length: fc.nat(8) })
              .map(({ from, length }) => Array.from({ length }, (_, k) => from + k)),
            // a file's rows have an entry each (two rows of one key are not recorded)
            fc.uniqueArray(fc.nat(count), { maxLength: 8 }),
          ),
          { maxLength: 5 },
        ),
      }),
    );
    fc.assert(
      fc.property(caseArb, ({ count, dead, files }) => {
        const alive = new Uint8Array(count).fill(1);
        for (const i of dead) if (i < count) alive[i] = 0;
        const live = alive.reduce((a, b) => a + b, 0);
        const order = new EntryOrder(count, live, alive);
        const accepted = files.map((entries) => order.place(entries.length, (k) => entries[k]!));
        const want = reference(count, alive, files);
        expect(accepted).toEqual(want.accepted);
        const got = order.finish();
        const asTheyLie = [...Array(count).keys()].filter((i) => alive[i]);
        expect(got === undefined ? asTheyLie : [...got]).toEqual(want.order);
        // Files that are the next entries each time need no order (and no copy of the columns).
        const inSequence = want.order.every((i, k) => i === asTheyLie[k]);
        if (!inSequence) expect(got).toBeDefined();
      }),
    );
  });

  it("needs no memory of its own when the files are the entries as they lie", () => {
    const count = 1_000_000;
    const alive = new Uint8Array(count).fill(1);
    const before = process.memoryUsage().arrayBuffers;
    const order = new EntryOrder(count, count, alive);
    expect(order.place(600_000, (k) => k)).toBe(true);
    expect(order.place(400_000, (k) => 600_000 + k)).toBe(true);
    expect(order.finish()).toBeUndefined();
    // A flag per entry and an order of all were 5 MB at the save, when a sync's memory peaks.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100_000);
  });
});
