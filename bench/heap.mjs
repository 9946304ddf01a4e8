// How small a heap each large job runs in: `npm run bench:heap` (builds, then runs this).
//
//   node bench/heap.mjs [--only validate,validate-jsonl,validate-yaml,plan-same,plan-new,apply,
//                               export,export-yaml]
//                       [--rows 1000000] [--yaml-runs 29000]
//                       [--runs 200000] [--apply-runs 20000] [--heaps 16,24,32,48,64,96,128]
//                       [--documented 64]
//
// Each job runs the real CLI in a child process (against an emulator in another process,
// which holds the organization's runs, so its memory is not counted), first with node's
// default heap (its peak RSS and wall time), then in the heap docs/performance.md documents
// (`--documented`, 64 MB), then with `--max-old-space-size=N` for each N of `--heaps` in turn
// until one passes: the smallest heap the job fits in. A job that holds
// anything per row needs a heap that grows with the rows; one that streams does not.
// Plain JS on the built dist/. The machine may be shared: wall times follow the load.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, spawnCli, startEmulatorProcess } from "./processes.mjs";
import { benchRun, writeManifest } from "./runs.mjs";

const options = readOptions(process.argv.slice(2));
const dir = await mkdtemp(join(tmpdir(), "sift-run-sync-bench-heap-"));

/** The jobs: each prepares its input, then `run(nodeArgs)` runs the CLI once. */
const JOBS = {
  validate: {
    what: (o) => `validate a ${fmt(o.rows)}-row CSV`,
    async prepare(o) {
      const manifest = join(dir, "validate.csv");
      await writeManifest(manifest, "validate", o.rows);
      return (nodeArgs) => spawnCli(["validate", manifest], { nodeArgs });
    },
  },
  "validate-jsonl": {
    what: (o) => `validate a ${fmt(o.rows)}-line JSON Lines manifest`,
    async prepare(o) {
      const manifest = join(dir, "runs.jsonl");
      await writeJsonLines(manifest, o.rows);
      return (nodeArgs) => spawnCli(["validate", manifest], { nodeArgs });
    },
  },
  "validate-yaml": {
    what: (o) => `validate a YAML manifest of ${fmt(o.yamlRuns)} runs (YAML is read whole)`,
    async prepare(o) {
      const manifest = join(dir, "runs.yaml");
      await writeFile(manifest, yamlManifest(o.yamlRuns));
      const { size } = await stat(manifest);
      console.log(`(runs.yaml: ${(size / 1024 / 1024).toFixed(1)} MiB)`);
      return (nodeArgs) => spawnCli(["validate", manifest], { nodeArgs });
    },
  },
  "plan-same": {
    what: (o) => `plan ${fmt(o.runs)} runs against an organization holding them (no changes)`,
    async prepare(o) {
      const manifest = join(dir, "same.csv");
      await writeManifest(manifest, "same", o.runs);
      const emulator = await startEmulatorProcess({});
      await emulator.ask("load", { prefix: "same", count: o.runs });
      return {
        run: (nodeArgs) => runCli(emulator.url, ["plan", manifest], { nodeArgs }),
        close: () => emulator.ask("close"),
      };
    },
  },
  "plan-new": {
    what: (o) =>
      `plan ${fmt(o.runs)} new runs (an empty organization: the report lists every create)`,
    async prepare(o) {
      const manifest = join(dir, "new.csv");
      await writeManifest(manifest, "new", o.runs);
      const emulator = await startEmulatorProcess({});
      return {
        run: (nodeArgs) => runCli(emulator.url, ["plan", manifest], { nodeArgs }),
        close: () => emulator.ask("close"),
      };
    },
  },
  apply: {
    what: (o) => `apply ${fmt(o.applyRuns)} new runs (a cold backfill) with --results`,
    async prepare(o) {
      const manifest = join(dir, "apply.csv");
      let round = 0;
      return (nodeArgs) => {
        // A fresh organization and manifest each time, so each attempt creates every run.
        const prefix = `apply${round++}`;
        return (async () => {
          await writeManifest(manifest, prefix, o.applyRuns);
          const emulator = await startEmulatorProcess({});
          try {
            const results = join(dir, `${prefix}.csv`);
            return await runCli(emulator.url, ["apply", manifest, "--results", results], {
              nodeArgs,
            });
          } finally {
            await emulator.ask("close");
          }
        })();
      };
    },
  },
  export: {
    what: (o) => `export ${fmt(o.runs)} runs to CSV`,
    async prepare(o) {
      const emulator = await startEmulatorProcess({});
      await emulator.ask("load", { prefix: "export", count: o.runs });
      const out = join(dir, "export.csv");
      return {
        run: (nodeArgs) => runCli(emulator.url, ["export", "--out", out], { nodeArgs }),
        close: () => emulator.ask("close"),
      };
    },
  },
  "export-yaml": {
    what: (o) => `export ${fmt(o.runs)} runs to YAML`,
    async prepare(o) {
      const emulator = await startEmulatorProcess({});
      await emulator.ask("load", { prefix: "export", count: o.runs });
      const out = join(dir, "export.yaml");
      return {
        run: (nodeArgs) => runCli(emulator.url, ["export", "--out", out], { nodeArgs }),
        close: () => emulator.ask("close"),
      };
    },
  },
};

/** The bench's runs as JSON Lines, streamed. */
async function writeJsonLines(path, count) {
  const out = createWriteStream(path);
  let buffer = "";
  for (let i = 0; i < count; i++) {
    buffer += `${JSON.stringify(benchRun("jsonl", i))}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise((resolve) => out.once("drain", resolve));
      buffer = "";
    }
  }
  out.end(buffer);
  await new Promise((resolve, reject) => out.on("finish", resolve).on("error", reject));
}

/** The bench's runs as one YAML list, one flow mapping per run. */
function yamlManifest(count) {
  const lines = [];
  for (let i = 0; i < count; i++) {
    const r = benchRun("yaml", i);
    const m = r.metadata;
    lines.push(
      `- {clientKey: ${r.clientKey}, name: "${r.name}", description: ${r.description}, ` +
        `startTime: "${r.startTime}", stopTime: "${r.stopTime}", assets: [${r.assets.join(", ")}], ` +
        `tags: [${r.tags.join(", ")}], metadata: {campaign: ${m.campaign}, altitude_m: ${m.altitude_m}, passed: ${m.passed}}}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

try {
  console.log(`heaps tried: ${options.heaps.join(", ")} MB (--max-old-space-size)`);
  for (const name of options.only) {
    const job = JOBS[name];
    const prepared = await job.prepare(options);
    const { run, close } = typeof prepared === "function" ? { run: prepared } : prepared;
    try {
      const load = loadavg()[0];
      const free = await run([]);
      check(free, name);
      const documented = await run([`--max-old-space-size=${options.documented}`]);
      const fits = [];
      let smallest;
      for (const heap of options.heaps) {
        const result = await run([`--max-old-space-size=${heap}`]);
        fits.push(`${heap} MB: ${describe(result)}`);
        if (result.code === 0) {
          smallest = { heap, result };
          break;
        }
      }
      console.log(`${name}: ${job.what(options)}`);
      console.log(
        `  default heap: ${free.seconds.toFixed(1)} s, peak RSS ${free.maxRssMB.toFixed(0)} MB (load average ${load.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after)`,
      );
      console.log(
        `  ${options.documented} MB heap (documented): ${describe(documented)}, peak RSS ${documented.maxRssMB.toFixed(0)} MB`,
      );
      console.log(`  ${fits.join("; ")}`);
      console.log(
        smallest === undefined
          ? `  fits in none of the heaps tried`
          : `  smallest heap: ${smallest.heap} MB (peak RSS ${smallest.result.maxRssMB.toFixed(0)} MB)`,
      );
    } finally {
      await close?.();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

function check(result, name) {
  if (result.code !== 0) {
    process.stderr.write(result.stderr.slice(-2000));
    throw new Error(`${name} exited with ${result.code} with the default heap`);
  }
}

function describe(result) {
  if (result.code === 0) return `ok, ${result.seconds.toFixed(1)} s`;
  return /heap out of memory|Reached heap limit/.test(result.stderr)
    ? "out of memory"
    : `exit ${result.code}`;
}

function fmt(n) {
  return n.toLocaleString("en-US");
}

function readOptions(args) {
  const value = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i === -1 ? fallback : args[i + 1];
  };
  return {
    only: value(
      "only",
      "validate,validate-jsonl,validate-yaml,plan-same,plan-new,apply,export,export-yaml",
    ).split(","),
    rows: Number(value("rows", 1_000_000)),
    runs: Number(value("runs", 200_000)),
    applyRuns: Number(value("apply-runs", 20_000)),
    yamlRuns: Number(value("yaml-runs", 29_000)),
    heaps: value("heaps", "16,24,32,48,64,96,128").split(",").map(Number),
    documented: Number(value("documented", 64)),
  };
}
