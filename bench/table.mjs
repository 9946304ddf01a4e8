// Prints the bench results: one table of figures, then each scenario's targets.
import { cpus } from "node:os";

const COLUMNS = [
  ["#", (r) => String(r.id)],
  ["scenario", (r) => r.scenario],
  ["runs", (r) => r.runs.toLocaleString("en-US")],
  ["requests by kind", (r) => kinds(r.requests)],
  ["writes", (r) => String(r.writes)],
  ["wall", (r) => seconds(r.wallSeconds)],
  ["in CLI", (r) => (r.summary ? seconds(r.summary.elapsedMs / 1000) : "")],
  ["T_min", (r) => `${seconds(r.tMinSeconds)}${r.rateBoundSeconds === undefined ? "" : "†"}`],
  ["wall/T_min", (r) => r.ratio.toFixed(2)],
  [
    "floor",
    (r) =>
      r.floorSeconds
        ? `${seconds(r.floorSeconds)} (${(r.floorSeconds / r.tMinSeconds).toFixed(2)})`
        : "",
  ],
  ["run-by-run", (r) => (r.reference ? `${seconds(r.reference.extrapolatedSeconds)}*` : "")],
  ["speed-up", (r) => (r.speedUp ? `${r.speedUp.toFixed(0)}×` : "")],
  ["CLI CPU", (r) => seconds(r.cpuSeconds)],
  ["emulator CPU", (r) => (r.emulator ? seconds(r.emulator.cpuSeconds) : "")],
  ["peak RSS", (r) => `${r.maxRssMB.toFixed(0)} MB`],
  ["runs/s", (r) => Math.round(r.runs / r.wallSeconds).toLocaleString("en-US")],
  ["load", (r) => r.loadAverage.toFixed(1)],
];

const SHORT = {
  ListRuns: "List",
  CreateAdhocRun: "CreateAdhoc",
  CreateRun: "Create",
  UpdateRun: "Update",
  ListAssets: "Assets",
  ListMetadataKeys: "Keys",
  GetRun: "Get",
};

function kinds(requests) {
  const parts = Object.entries(requests.byKind).map(([k, n]) => `${SHORT[k] ?? k} ${n}`);
  if (requests.throttled > 0) parts.push(`(${requests.throttled} × 429)`);
  return `${requests.total}: ${parts.join(", ")}`;
}

function seconds(s) {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

/** Markdown table (readable in a terminal, pasteable into the README). */
export function printTable(results, options) {
  console.log(
    `\nconcurrency ${options.concurrency}, emulator latency ${options.latency} ms per request, ` +
      `T_min = ceil(requests / ${options.concurrency}) × ${options.latency} ms; ` +
      `#1–4: median of ${options.repeat} runs; ` +
      `load average ${options.loadBefore.toFixed(1)} before, ${options.loadAfter.toFixed(1)} after ` +
      `(on ${cpus().length} cores: other processes slow the figures down)\n`,
  );
  const rows = results.map((r) => COLUMNS.map(([, cell]) => cell(r)));
  const header = COLUMNS.map(([name]) => name);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
  const refs = results.filter((r) => r.reference);
  console.log(
    "\nwall: the CLI process from spawn to exit (node startup included); in CLI: the time its " +
      "apply summary reports (from reading the manifests to the last result).",
  );
  console.log(
    "floor (ratio to T_min): the same number of requests sent by a bare node:http loop at the " +
      "same concurrency: what this machine allows before any CLI work.",
  );
  if (refs.length > 0) console.log(`* ${refs[0].reference.note}.`);
  for (const r of results) {
    if (r.createFloorSeconds !== undefined) {
      console.log(
        `  #${r.id}: the same ${r.writes} creates (and the other requests as tiny GETs) sent by the bare loop: ` +
          `${seconds(r.createFloorSeconds)} (${(r.createFloorSeconds / r.tMinSeconds).toFixed(2)} × T_min); ` +
          `the CLI's time over it is the CLI's, what it has over the floor above is the emulator's work per create.`,
      );
    }
    if (r.rateBoundSeconds !== undefined) {
      console.log(
        `† #${r.id}: the bound is the API's rate: ${r.requests.total - r.requests.throttled} requests ` +
          `served at ${r.rps} per second take ${seconds(r.rateBoundSeconds)}.`,
      );
    }
    if (r.emulator?.lookupServerMs !== undefined) {
      console.log(
        `  #${r.id}: emulator used ${r.emulator.cpuSeconds.toFixed(1)} s CPU; one full lookup batch ` +
          `takes it ${r.emulator.lookupServerMs.toFixed(1)} ms (latency excluded).`,
      );
      const index = r.emulator.index;
      if (index) {
        console.log(
          `  #${r.id}: emulator index: client_key in [${index.keys} keys] over ` +
            `${index.runs.toLocaleString("en-US")} runs: median ${index.medianMs} ms, max ${index.maxMs} ms.`,
        );
      }
    }
  }
  console.log("\ntargets (issue 6):");
  for (const r of results) {
    for (const t of r.targets ?? []) {
      console.log(`  #${r.id} ${t.pass ? "met   " : "MISSED"} ${t.label}`);
    }
  }
}
