import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The built CLI (the vitest globalSetup compiles dist/ first). */
export const BIN = new URL("../../bin/sift-run-sync.js", import.meta.url).pathname;

/** Whether util-linux `script` is here to give a child a pseudo-terminal. */
export const HAS_SCRIPT = spawnSync("script", ["--version"]).status === 0;

/** A CSV manifest of `count` runs to create (`key-00001`, ...), in a fresh directory. */
export function runsDir(count: number, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "srs-out-"));
  const rows = Array.from({ length: count }, (_, i) => {
    const key = `key-${String(i + 1).padStart(5, "0")}`;
    return `${key},Run ${i + 1}`;
  });
  writeFileSync(join(dir, "runs.csv"), ["clientKey,name", ...rows, ""].join("\n"));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The files of `dir` whose names match. */
export function filesIn(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).filter((name) => pattern.test(name));
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the CLI in a pseudo-terminal of `columns` columns (util-linux `script`), stdout and
 * stderr both on it, and returns everything the terminal received.
 */
export function runInTerminal(
  args: string[],
  env: Record<string, string>,
  columns = 120,
): Promise<{ code: number; raw: string }> {
  const command = `stty cols ${columns}; ${[process.execPath, BIN, ...args].map(shellQuote).join(" ")}`;
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    env: { ...process.env, ...env, TERM: "xterm" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let raw = "";
  child.stdout.on("data", (d) => {
    raw += d;
  });
  child.stderr.on("data", (d) => {
    raw += d;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, raw })));
}

/**
 * The lines a terminal shows after receiving `raw`: `\r` returns to the line's start, `ESC[K`
 * erases to its end, text overwrites, other escape sequences (colours) show nothing.
 */
export function renderScreen(raw: string): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  let col = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "\r") col = 0;
    else if (ch === "\n") {
      lines.push(line.join(""));
      line = [];
      col = 0;
    } else if (ch === "\u001b") {
      const m = /^\u001b\[[0-9;?]*([A-Za-z])/.exec(raw.slice(i, i + 16));
      if (m) {
        if (m[1] === "K") line = line.slice(0, col);
        i += m[0].length - 1;
      }
    } else {
      while (line.length < col) line.push(" ");
      line[col] = ch;
      col++;
    }
  }
  if (line.length > 0) lines.push(line.join(""));
  return lines;
}
