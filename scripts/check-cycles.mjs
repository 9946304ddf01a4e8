#!/usr/bin/env node
// `npm run lint` runs this: no import cycle between src/ files (type-only and dynamic imports
// included) and none between src/ folders. src/index.ts, the library's entry, is above all.
// Prints the folders in import order (lowest first) with --graph.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const root = resolve("src");
const files = [];
(function walk(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith(".ts")) files.push(path);
  }
})(root);

const graph = new Map();
for (const file of files) {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  graph.set(
    file,
    info.importedFiles
      .filter((i) => i.fileName.startsWith("."))
      .map((i) => resolve(dirname(file), i.fileName.replace(/\.js$/, ".ts"))),
  );
}

/** Strongly connected components of more than one node (Tarjan). */
function cycles(nodes, edges) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges(v).includes(v)) found.push(component);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return found;
}

const name = (file) => relative(root, file);
const folderOf = (file) => (dirname(file) === root ? undefined : name(file).split("/")[0]);
const problems = [];
for (const c of cycles([...graph.keys()], (f) =>
  (graph.get(f) ?? []).filter((d) => graph.has(d)),
)) {
  problems.push(`import cycle between files: ${c.map(name).sort().join(", ")}`);
}
const folderEdges = new Map();
for (const [file, deps] of graph) {
  const from = folderOf(file);
  if (from === undefined) continue;
  for (const dep of deps) {
    const to = folderOf(dep);
    if (to === undefined) {
      if (graph.has(dep)) problems.push(`${name(file)} imports ${name(dep)}, the library's entry`);
      continue;
    }
    if (to === from) continue;
    if (!folderEdges.has(from)) folderEdges.set(from, new Map());
    const why = folderEdges.get(from);
    if (!why.has(to)) why.set(to, `${name(file)} -> ${name(dep)}`);
  }
}
const folders = [...new Set(files.map(folderOf).filter((f) => f !== undefined))];
for (const c of cycles(folders, (f) => [...(folderEdges.get(f)?.keys() ?? [])])) {
  const examples = c.flatMap((a) =>
    c.filter((b) => folderEdges.get(a)?.has(b)).map((b) => folderEdges.get(a).get(b)),
  );
  problems.push(`import cycle between folders ${c.sort().join(", ")}: ${examples.join("; ")}`);
}
if (process.argv.includes("--graph")) {
  for (const f of folders.sort())
    console.log(`${f} -> ${[...(folderEdges.get(f)?.keys() ?? [])].sort().join(", ")}`);
}
for (const p of problems) console.error(p);
process.exitCode = problems.length > 0 ? 1 : 0;
