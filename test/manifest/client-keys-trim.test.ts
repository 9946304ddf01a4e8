import { describe, expect, it } from "vitest";
import { ClientKeyRegistry } from "../../src/manifest/client-keys.js";

describe("the clientKey registry trimmed for the later passes", () => {
  it("keeps every key through the trim and the growth after it: duplicates and places still found", () => {
    const keys = new ClientKeyRegistry();
    const at = (line: number) => ({ file: "a.csv", line });
    const key = (i: number) => `trim-key-${String(i).padStart(9, "0")}-é`.slice(0, i % 2 ? 22 : 25);
    const N = 100_000;
    const M = 220_000;
    for (let i = 0; i < N; i++) expect(keys.add(key(i), at(i + 2))).toBeUndefined();
    keys.startRereading();
    // A later pass: every row at its place, then rows changed since with keys new to it,
    // past the 1 MB of room (each ~24 bytes: 120,000 of them), and moved rows.
    for (let i = 0; i < N; i += 7) expect(keys.add(key(i), at(i + 2))).toBeUndefined();
    for (let i = N; i < M; i++) expect(keys.add(key(i), at(i + 2))).toBeUndefined();
    for (let i = 0; i < M; i += 997)
      expect(keys.add(key(i), { file: "b.csv", line: 1 })).toBe(
        `"${key(i)}" is also defined at a.csv:${i + 2}`,
      );
    expect(keys.size).toBe(M);
    expect(keys.isRecordedAt(key(N + 5), at(N + 7))).toBe(true);
    expect(keys.isRecordedAt(key(5), at(8))).toBe(false);
  });
});
