/**
 * The manifest formats by name. Apart from the readers so that the CLI's option
 * definitions (and `--help`) do not load every parser.
 */
export const MANIFEST_FORMATS = ["csv", "tsv", "yaml", "json", "jsonl"] as const;
export type ManifestFormat = (typeof MANIFEST_FORMATS)[number];
