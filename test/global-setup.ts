import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Tests that spawn `bin/sift-run-sync.js` need dist/ to match src/: build once per test run,
 * unless nothing the build reads changed since the last build this setup made. The stamp
 * lives in node_modules/.cache (gone on a clean clone, so `npm ci` always means a build);
 * a file added, edited or removed in src/ changes a file's or a folder's mtime after it.
 */
const STAMP = "node_modules/.cache/sift-run-sync/dist-built";
const INPUTS = ["src", "tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"];

export default function setup(): void {
  if (existsSync(STAMP) && existsSync("dist/index.js") && newestMtimeMs(INPUTS) < stampMs()) return;
  const started = Date.now();
  // --noCheck: the same JavaScript as `npm run build` (the .d.ts files may list a union's
  // members in another order), in two thirds of the time (12 -> 8 s of CPU); the types are
  // `npm run typecheck`'s job, and a type error no longer stops the tests from running.
  execFileSync(
    process.execPath,
    ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json", "--noCheck"],
    { stdio: "inherit" },
  );
  mkdirSync(join(STAMP, ".."), { recursive: true });
  // The stamp says when the build began: an edit made while tsc ran is newer than it.
  writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
}

function stampMs(): number {
  return Date.parse(readFileSync(STAMP, "utf8").trim()) || 0;
}

/** The newest mtime among `paths`, folders included (a removed file changes its folder's). */
function newestMtimeMs(paths: string[]): number {
  let newest = 0;
  const visit = (path: string): void => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const path of paths) visit(path);
  return newest;
}
