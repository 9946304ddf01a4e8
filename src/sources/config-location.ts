import { type Document, isMap, isScalar, isSeq, type LineCounter } from "yaml";
import type { Problem } from "../core/errors.js";

/** A place in the config, as keys and list indexes: `["sources", 0, "fields", "startTime"]`. */
export type ConfigPath = readonly (string | number)[];

/** A problem with the config itself, before it is given a line. */
export interface ConfigProblem {
  path: ConfigPath;
  message: string;
}

/** `sources[0].fields.startTime`; keys that are not plain words are quoted. */
function formatConfigPath(path: ConfigPath): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) text += text === "" ? part : `.${part}`;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text;
}

/** Turns config paths into lines of the config file: the line of the key, else of its parent. */
export class ConfigLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly file: string,
  ) {}

  lineOf(path: ConfigPath): number {
    let node: unknown = this.doc.contents;
    let line = this.nodeLine(node, 1);
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isScalar(p.key) && String(p.key.value) === String(part),
        );
        if (pair === undefined) break;
        line = this.nodeLine(pair.key, line);
        node = pair.value;
      } else if (isSeq(node) && typeof part === "number") {
        node = node.items[part];
        if (node === undefined) break;
        line = this.nodeLine(node, line);
      } else break;
    }
    return line;
  }

  locate(problem: ConfigProblem): Problem {
    const located: Problem = {
      file: this.file,
      line: this.lineOf(problem.path),
      message: problem.message,
    };
    if (problem.path.length > 0) located.field = formatConfigPath(problem.path);
    return located;
  }

  private nodeLine(node: unknown, fallback: number): number {
    const range = (node as { range?: [number, number, number] | null } | null | undefined)?.range;
    return range ? this.lines.linePos(range[0]).line : fallback;
  }
}
