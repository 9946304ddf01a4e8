import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { captureIo } from "../helpers/io.js";

/** A fresh directory holding `manifests/<name>` for each file, and room for outputs beside it. */
export function workspace(files: Record<string, string>): { dir: string; manifests: string } {
  const dir = mkdtempSync(join(tmpdir(), "srs-sec-"));
  const manifests = join(dir, "manifests");
  mkdirSync(manifests);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(manifests, name), text);
  return { dir, manifests };
}

/** Runs the CLI in-process with this environment; returns the exit code and both streams. */
export async function cli(args: string[], env: Record<string, string>, cwd = process.cwd()) {
  const io = captureIo(env, cwd);
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}
