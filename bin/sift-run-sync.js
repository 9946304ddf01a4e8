#!/usr/bin/env node
// The CLI entry point. The package ships dist/ (built by `npm pack`, prepack). A git checkout
// has src/ instead of a shipped dist/: there dist/ is (re)built from src/ when it is missing or
// older than a source file, so `npm ci && node bin/sift-run-sync.js --help` works without an
// install script (which npm would warn about for every user of the package).
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  // The version alone loads nothing else: a wrapper script probing the tool stays fast.
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { existsSync } = await import("node:fs");
  if (existsSync(new URL("../src/", import.meta.url))) {
    const { ensureBuilt } = await import("../scripts/build-checkout.mjs");
    await ensureBuilt(new URL("../", import.meta.url));
  }
  const { main } = await import("../dist/cli/main.js");
  process.exitCode = await main(argv);
}
