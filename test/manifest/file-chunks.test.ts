import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileChunks } from "../../src/manifest/file-chunks.js";

/** The manifest readers' chunks: a file's bytes in order, read into one buffer reused. */

describe("fileChunks", () => {
  it("yields the file's bytes in order, every chunk in the same memory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "file-chunks-"));
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
    writeFileSync(join(dir, "f.bin"), bytes);
    const copies: Buffer[] = [];
    const memory = new Set<ArrayBufferLike>();
    for await (const chunk of fileChunks(join(dir, "f.bin"), 1 << 16)) {
      copies.push(Buffer.from(chunk));
      memory.add(chunk.buffer);
    }
    expect(Buffer.concat(copies).equals(bytes)).toBe(true);
    expect(copies.map((c) => c.length)).toEqual([65536, 65536, 65536, 65536, 37856]);
    // A buffer per chunk would leave a million-row manifest's ~2,600 of them to the collector.
    expect(memory.size).toBe(1);
  });

  it("reads a pipe to its end", async () => {
    const dir = mkdtempSync(join(tmpdir(), "file-chunks-"));
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const text = "clientKey\n".repeat(20_000);
    const writing = writeFile(fifo, text);
    const parts: string[] = [];
    for await (const chunk of fileChunks(fifo, 1 << 16)) parts.push(chunk.toString("utf8"));
    await writing;
    expect(parts.join("")).toBe(text);
  });

  it("fails as opening the file does, for a file that is not there", async () => {
    const missing = join(tmpdir(), "no-such-dir-file-chunks", "f.csv");
    await expect(fileChunks(missing, 1024).next()).rejects.toMatchObject({ code: "ENOENT" });
  });
});
