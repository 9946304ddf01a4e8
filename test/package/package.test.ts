import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize, posix } from "node:path";
import MarkdownIt from "markdown-it";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The package as users get it: `npm pack` (the globalSetup built dist/; pack's prepack would
 * build it again, so scripts are skipped here), installed into a fresh project with
 * `npm install --omit=dev` and globally into a prefix with the Dockerfile's command, then the
 * installed binary run and the shipped `.d.ts` files and the README's TypeScript compiled
 * against it with `skipLibCheck: false`.
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  license: string;
};

let work: string;
let tarball: string;
let shipped: Set<string>;
let projectInstall: Ran;
let globalPrefix: string;
let globalInstall: Ran;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function npm(args: string[], cwd: string): Promise<Ran> {
  // --loglevel warn: CI exports npm_config_loglevel=error, which would hide the warnings checked here.
  return new Promise((resolve) => {
    execFile(
      "npm",
      [...args, "--loglevel=warn", "--no-audit", "--no-fund", "--prefer-offline"],
      { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } },
      (error, stdout, stderr) =>
        resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "srs-package-"));
  const packed = await npm(
    ["pack", "--ignore-scripts", "--json", "--pack-destination", work],
    ROOT,
  );
  expect(packed.status, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  tarball = join(work, info.filename);
  shipped = new Set(info.files.map((f) => f.path));

  const project = join(work, "project");
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  // The Dockerfile's install step, with --prefix in place of the image's /usr/local; both
  // installs at once (each mostly waits on npm's cache).
  globalPrefix = join(work, "global");
  [projectInstall, globalInstall] = await Promise.all([
    npm(["install", "--omit=dev", tarball], project),
    npm(["install", "--global", "--prefix", globalPrefix, "--omit=dev", tarball], work),
  ]);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("ships the MIT LICENSE package.json names", () => {
    expect(pkg.license).toBe("MIT");
    expect(shipped.has("LICENSE")).toBe(true);
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
  });

  it("ships no source map (they would point at src/, which is not shipped)", () => {
    expect([...shipped].filter((p) => p.endsWith(".map"))).toEqual([]);
    expect(shipped.has("dist/index.js") && shipped.has("dist/index.d.ts")).toBe(true);
    expect([...shipped].some((p) => p.startsWith("src/") || p.startsWith("test/"))).toBe(false);
  });

  it("ships every file and heading the shipped Markdown links to", () => {
    const markdown = [...shipped].filter((p) => p.endsWith(".md"));
    expect(markdown).toContain("README.md");
    expect(markdown).toContain("docs/cli.md");
    const broken: string[] = [];
    for (const file of markdown) {
      for (const link of relativeLinks(readFileSync(join(ROOT, file), "utf8"))) {
        const [target = "", anchor] = link.split("#");
        const path =
          target === "" ? file : posix.normalize(posix.join(posix.dirname(file), target));
        const isDir = [...shipped].some((p) => p.startsWith(path.replace(/\/$/, "") + "/"));
        if (!shipped.has(path) && !isDir) broken.push(`${file}: ${link} (${path} is not shipped)`);
        else if (anchor && path.endsWith(".md") && !anchors(path).has(anchor)) {
          broken.push(`${file}: ${link} (no heading #${anchor} in ${path})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("npm install --omit=dev of the tarball", () => {
  it("installs without an install script or any other warning", () => {
    expect(projectInstall.status, projectInstall.stderr).toBe(0);
    expect(projectInstall.stderr).not.toMatch(/install-scripts|npm warn/i);
    expect(globalInstall.status, globalInstall.stderr).toBe(0);
    expect(globalInstall.stderr).not.toMatch(/install-scripts|npm warn/i);
    const installed = join(work, "project/node_modules/sift-run-sync");
    expect(existsSync(join(installed, "dist/cli/main.js"))).toBe(true);
    // Dev dependencies stay out.
    expect(existsSync(join(work, "project/node_modules/typescript"))).toBe(false);
    expect(existsSync(join(work, "project/node_modules/vitest"))).toBe(false);
  });

  it("gives a working sift-run-sync binary, the Dockerfile's way", () => {
    const bin = join(globalPrefix, "bin/sift-run-sync");
    const cwd = mkdtempSync(join(work, "cwd-"));
    const run = (args: string[]) =>
      spawnSync(bin, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

    const version = run(["--version"]);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);

    const manifests = join(globalPrefix, "lib/node_modules/sift-run-sync/manifests");
    const validate = run(["validate", manifests]);
    expect(validate.status, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/valid: 2 files, \d+ runs, 0 errors/);

    // The embedded emulator and its seed ship too: a plan and an apply against --local.
    const plan = run(["plan", manifests, "--local", "--format", "json", "--no-progress"]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).summary.create).toBeGreaterThan(0);
    const apply = run(["apply", manifests, "--local", "--no-progress"]);
    expect(apply.status, apply.stderr).toBe(0);
    const again = run(["plan", manifests, "--local", "--detailed-exitcode", "--no-progress"]);
    expect(again.status, again.stdout + again.stderr).toBe(0);
  });

  it("is the install the Dockerfile runs", () => {
    const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm install --global --omit=dev .*sift-run-sync\.tgz/m);
    expect(dockerfile).toMatch(/^RUN npm pack /m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["sift-run-sync"\]$/m);
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toMatch(
      /docker build -t \S*sift-run-sync/,
    );
  });
});

/**
 * The README's and the shipped docs' TypeScript, each block a module of its own, and every
 * declaration file, compiled once against the installed package (one tsc for the check and
 * for the example's JavaScript): tsc's errors, located in the Markdown, and the blocks.
 */
let compiled: { blocks: Block[]; errors: string; outDir: string } | undefined;
function compileBlocks(): NonNullable<typeof compiled> {
  if (compiled) return compiled;
  const project = join(work, "project");
  const src = join(project, "src");
  mkdirSync(src, { recursive: true });
  const blocks = [...shipped]
    .filter((p) => p.endsWith(".md"))
    .sort()
    .flatMap((file) => codeBlocks(readFileSync(join(ROOT, file), "utf8"), "ts", file));
  blocks.forEach((block, i) => writeFileSync(join(src, `block-${i + 1}.ts`), block.text));
  // Every declaration file, not just those the snippets reach.
  writeFileSync(join(src, "all.ts"), 'import * as all from "sift-run-sync";\nexport { all };\n');
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        skipLibCheck: false,
        outDir: "out",
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules/@types")],
      },
      include: ["src"],
    }),
  );
  let output = "";
  try {
    execFileSync(process.execPath, [TSC, "-p", join(project, "tsconfig.json")], {
      encoding: "utf8",
    });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout);
  }
  // Name the Markdown file and line of each error, not the temporary file's.
  const errors = output.replace(/\S*src\/block-(\d+)\.ts\((\d+),(\d+)\)/g, (_, n, line, col) => {
    const block = blocks[Number(n) - 1]!;
    return `${block.file}:${block.line + Number(line)}:${col}`;
  });
  compiled = { blocks, errors, outDir: join(project, "out") };
  return compiled;
}

describe("TypeScript against the installed package (skipLibCheck: false, module nodenext)", () => {
  it("compiles the .d.ts files and every ts block of the README and docs/", () => {
    const { blocks, errors } = compileBlocks();
    expect(blocks.map((b) => b.file)).toContain("README.md");
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(errors).toBe("");
  }, 120_000);
});

describe("the README's library example", () => {
  it("runs against the installed package, as the README says", async () => {
    // Saved as a file, compiled (with the other blocks, above) and run.
    const { blocks, outDir } = compileBlocks();
    const index = blocks.findIndex(
      (b) =>
        b.file === "README.md" &&
        b.text.includes("createSiftClient") &&
        b.text.includes("await apply("),
    );
    expect(index, "the README's library section has a ts block using createSiftClient").not.toBe(
      -1,
    );
    const example = join(outDir, `block-${index + 1}.js`);
    expect(existsSync(example)).toBe(true);
    const { startEmulator } = await import("../../src/emulator/index.js");
    const emulator = await startEmulator({});
    try {
      const cwd = mkdtempSync(join(work, "example-"));
      writeFileSync(
        join(cwd, "runs.csv"),
        "clientKey,name\nlib-1,Library run 1\nlib-2,Library run 2\n",
      );
      // Asynchronously: the emulator answers from this process's event loop.
      const run = () =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
          execFile(
            process.execPath,
            [example],
            {
              cwd,
              encoding: "utf8",
              env: { ...process.env, SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" },
            },
            (error, stdout, stderr) =>
              resolve({
                status: error ? ((error as { code?: number }).code ?? 1) : 0,
                stdout,
                stderr,
              }),
          );
        });
      const first = await run();
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toContain("create lib-1");
      expect(first.stdout).toContain("plan: 2 to create, 0 to update");
      expect(first.stdout).toContain("applied: 2 created, 0 updated, 0 failed");
      expect(
        emulator
          .runs()
          .map((r) => r.clientKey)
          .sort(),
      ).toEqual(["lib-1", "lib-2"]);
      const second = await run();
      expect(second.status, second.stderr).toBe(0);
      expect(second.stdout).toContain("applied: 0 created, 0 updated, 0 failed");
    } finally {
      await emulator.close();
    }
  }, 120_000);
});

interface Block {
  text: string;
  /** The line before the block's first line. */
  line: number;
  file: string;
}

/** The fenced blocks of `lang` and the line before their first line. */
function codeBlocks(text: string, lang: string, file: string): Block[] {
  return new MarkdownIt()
    .parse(text, {})
    .filter((t) => t.type === "fence" && t.info.trim() === lang)
    .map((t) => ({ text: t.content, line: t.map![0] + 1, file }));
}

function relativeLinks(text: string): string[] {
  const links: string[] = [];
  const walk = (tokens: ReturnType<InstanceType<typeof MarkdownIt>["parse"]>) => {
    for (const t of tokens) {
      if (t.type === "link_open") {
        const href = String(t.attrGet("href") ?? "");
        if (!/^[a-z]+:/i.test(href)) links.push(decodeURI(href));
      }
      if (t.children) walk(t.children);
    }
  };
  walk(new MarkdownIt().parse(text, {}));
  return links;
}

const anchorCache = new Map<string, Set<string>>();
/** GitHub's heading anchors of a Markdown file: lower case, punctuation dropped, spaces → -. */
function anchors(file: string): Set<string> {
  const cached = anchorCache.get(file);
  if (cached) return cached;
  const tokens = new MarkdownIt().parse(readFileSync(join(ROOT, normalize(file)), "utf8"), {});
  const seen = new Map<string, number>();
  const found = new Set<string>();
  tokens.forEach((t, i) => {
    if (t.type !== "heading_open") return;
    const inline = tokens[i + 1]!;
    const text = (inline.children ?? [])
      .filter((c) => c.type === "text" || c.type === "code_inline")
      .map((c) => c.content)
      .join("");
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  });
  anchorCache.set(file, found);
  return found;
}
