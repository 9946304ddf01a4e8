// Used by bin/sift-run-sync.js in a git checkout only (the package ships dist/, not src/ nor
// this file): compiles src/ to dist/ when dist/ is missing or older than a source file.
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** @param {URL} root the checkout's root directory */
export async function ensureBuilt(root) {
  // Under vitest the globalSetup has built dist/: a rebuild racing the other CLIs a test run
  // spawns (a source edited meanwhile) would break them.
  if (process.env.VITEST) return;
  const dir = fileURLToPath(root);
  const entry = `${dir}dist/cli/main.js`;
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestSource(dir)) return;
  const tsc = `${dir}node_modules/typescript/bin/tsc`;
  if (!existsSync(tsc)) {
    process.stderr.write(
      "sift-run-sync: dist/ is missing or older than src/, and TypeScript is not installed: run `npm ci` (with dev dependencies), then `npm run build`\n",
    );
    process.exit(1);
  }
  process.stderr.write("sift-run-sync: building dist/ from src/ (a git checkout) ...\n");
  // Loaded only to build: a checkout whose dist/ is current answers `--help` without it.
  const { execFileSync } = await import("node:child_process");
  try {
    // Compiler messages go to stderr: stdout carries the command's document alone.
    execFileSync(process.execPath, [tsc, "-p", `${dir}tsconfig.build.json`], {
      stdio: ["ignore", 2, 2],
    });
  } catch {
    process.stderr.write("sift-run-sync: `npm run build` failed (see above)\n");
    process.exit(1);
  }
}

function newestSource(dir) {
  let newest = 0;
  for (const file of ["package.json", "tsconfig.json", "tsconfig.build.json"]) {
    newest = Math.max(newest, statSync(`${dir}${file}`).mtimeMs);
  }
  for (const entry of readdirSync(`${dir}src`, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}
