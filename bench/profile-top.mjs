// Summarizes a V8 .cpuprofile (from `node --cpu-prof`, or `bench/run.mjs --cpu-prof DIR`):
// self time by function and by file, heaviest first.
//
//   node bench/profile-top.mjs PROFILE.cpuprofile [--top 25]
import { readFile } from "node:fs/promises";

const [path, ...rest] = process.argv.slice(2);
const top = Number(rest[rest.indexOf("--top") + 1]) || 25;
const profile = JSON.parse(await readFile(path, "utf8"));

const selfMs = new Map();
const gaps = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfMs.set(id, (selfMs.get(id) ?? 0) + (gaps[i] ?? 0) / 1000);
}
// Before any --callers/--inclusive use (they call totalOf).
const nodesById = new Map(profile.nodes.map((n) => [n.id, n]));
const byFunction = new Map();
const byFile = new Map();
let total = 0;
for (const node of profile.nodes) {
  const ms = selfMs.get(node.id) ?? 0;
  total += ms;
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, "$1/") || "(native)";
  const fn = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  const pkg = file.startsWith("node_modules/")
    ? file
        .split("/")
        .slice(0, file.split("/")[1].startsWith("@") ? 3 : 2)
        .join("/")
    : file;
  byFile.set(pkg, (byFile.get(pkg) ?? 0) + ms);
}
const show = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${ms.toFixed(0).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`,
    );
  }
};
console.log(`total sampled: ${total.toFixed(0)} ms`);
show("self time by file / package", byFile);
show("self time by function", byFunction);

// `--callers NAME`: where the self time of functions named NAME comes from (direct callers).
const callersOf = rest[rest.indexOf("--callers") + 1];
if (rest.includes("--callers") && callersOf) {
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node);
  const byCaller = new Map();
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== callersOf) continue;
    const p = parent.get(node.id);
    const name = p
      ? `${p.callFrame.functionName} ${p.callFrame.url.split("/").slice(-2).join("/")}:${p.callFrame.lineNumber + 1}`
      : "(root)";
    byCaller.set(name, (byCaller.get(name) ?? 0) + totalOf(node));
  }
  show(`callers of ${callersOf} (total time under it)`, byCaller);
}

function totalOf(node) {
  const byId = nodesById;
  let ms = selfMs.get(node.id) ?? 0;
  for (const child of node.children ?? []) ms += totalOf(byId.get(child));
  return ms;
}

// `--inclusive A,B,C`: total time under each named function (self + callees).
const inclusive = rest[rest.indexOf("--inclusive") + 1];
if (rest.includes("--inclusive") && inclusive) {
  const names = new Set(inclusive.split(","));
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node);
  const sums = new Map();
  for (const node of profile.nodes) {
    if (!names.has(node.callFrame.functionName)) continue;
    // Count only outermost frames of the name, so recursion is not counted twice.
    let up = parent.get(node.id);
    let nested = false;
    while (up) {
      if (up.callFrame.functionName === node.callFrame.functionName) nested = true;
      up = parent.get(up.id);
    }
    if (!nested)
      sums.set(
        node.callFrame.functionName,
        (sums.get(node.callFrame.functionName) ?? 0) + totalOf(node),
      );
  }
  show("inclusive time", sums);
}
