#!/usr/bin/env node
// The CLI entry point. The TypeScript sources are compiled to dist/ (`npm run build`, run by
// `npm ci` in a clone and by `npm pack`).
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  // The version alone loads nothing else: a wrapper script probing the tool stays fast.
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await import("../dist/cli/main.js");
  process.exitCode = await main(argv);
}
