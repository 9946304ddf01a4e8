import { extname } from "node:path";

/**
 * The manifest formats by name and by a file's extension. Apart from the readers so that the
 * CLI's option definitions (and `--help`) and its stdin spooling do not load every parser.
 */
export const MANIFEST_FORMATS = ["csv", "tsv", "yaml", "json", "jsonl"] as const;
export type ManifestFormat = (typeof MANIFEST_FORMATS)[number];

const FORMATS: Record<string, ManifestFormat> = {
  ".csv": "csv",
  ".tsv": "tsv",
  // Excel's "Unicode Text" and "Text (Tab delimited)": CSV with its delimiter sniffed (a tab)
  // and its encoding from the byte-order mark (UTF-16LE), as in a config's sources. Only when
  // named: a directory's .txt files are more often notes than manifests (see expandPaths).
  ".txt": "csv",
  ".yaml": "yaml",
  ".yml": "yaml",
  ".json": "json",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
};

/** The extensions of manifest files, for messages. */
export const MANIFEST_EXTENSIONS = "*.csv, *.tsv, *.yaml, *.yml, *.json, *.jsonl or *.ndjson";
/** Read when named, never taken from a directory. */
export const NAMED_ONLY_EXTENSIONS = new Set([".txt"]);

/** How a path names standard input, and how messages name it. */
export const STDIN_PATH = "-";
export const STDIN_NAME = "<stdin>";

/** The format a file name's extension announces, if it is a manifest's. */
export function formatOf(file: string): ManifestFormat | undefined {
  const ext = extname(file).toLowerCase();
  return Object.hasOwn(FORMATS, ext) ? FORMATS[ext] : undefined;
}
