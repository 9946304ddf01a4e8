#!/usr/bin/env node
// `npm start`: the example manifests through plan and apply against the embedded emulator
// (--local, state in .sift-local/), then a second plan that shows there is nothing left to do.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/sift-run-sync.js", import.meta.url));
const steps = [
  ["1. What would change", ["plan", "manifests", "--local"]],
  ["2. Make Sift match", ["apply", "manifests", "--local"]],
  [
    "3. Plan again: nothing left to do (exit 0 means no changes)",
    ["plan", "manifests", "--local", "--detailed-exitcode"],
  ],
];
for (const [title, args] of steps) {
  process.stdout.write(`\n=== ${title}\n$ sift-run-sync ${args.join(" ")}\n\n`);
  const { status } = spawnSync(process.execPath, [bin, ...args], { stdio: "inherit" });
  if (status !== 0) {
    process.stdout.write(`\n(exit code ${status})\n`);
    process.exit(status ?? 1);
  }
}
process.stdout.write("\nDone. State is kept in .sift-local/ (delete it to start over).\n");
