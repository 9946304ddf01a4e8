import { resolve } from "node:path";

/**
 * Where a path the user gave lies: relative to the command's working directory (`cwd`, the
 * CLI's io.cwd or a library caller's option), or to the process's when none is given. Messages
 * keep naming the path as given.
 */
export function inCwd(path: string, cwd: string | undefined): string {
  return cwd === undefined ? path : resolve(cwd, path);
}
