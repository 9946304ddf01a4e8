import { execFileSync } from "node:child_process";

/** Tests that spawn `bin/sift-run-sync.js` need dist/ to match src/: build once per test run. */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
}
