import type { ConfigOptions } from "./config-schema.js";
import type { Mapping } from "./mapping.js";
import type { CsvDialect, NullCells, RunParts } from "../manifest/index.js";

/** A loaded, checked `sift-run-sync.yaml`: what the sources stage reads runs from. */
export interface SyncConfig {
  /** The config file as the user named it (messages say `via sift-run-sync.yaml sources[0]`). */
  file: string;
  /** The absolute directory the config's paths are relative to. */
  dir: string;
  sources: SourceConfig[];
  /** Filled into every run that leaves a field out, as a YAML manifest's `defaults`. */
  defaults: RunParts;
  options: ConfigOptions;
  /** Whether the config file's text is all below U+0300 (NFC already: core/plain-text.ts). */
  plainText?: boolean;
  /**
   * SHA-256 of the config's text, name and directory: what its sources read is decided by
   * these alone (the sync cache skips a source file read the same way before). Absent for a
   * config built in code: its files are always read.
   */
  digest?: string;
}

export interface SourceConfig {
  /** Its index in `sources`. */
  index: number;
  /** As written in the config: a file, a directory or a glob, relative to the config. */
  path: string;
  /** The line of the source's entry in the config. */
  line: number;
  /** How its CSV files are written (`csv:`): delimiter, encoding, lines before the header. */
  csv: CsvDialect;
  /**
   * The encoding of its JSON Lines files (`encoding:`, `utf-8` by default); a byte-order mark
   * wins. Its CSV files use `csv.encoding`, which defaults to this.
   */
  encoding: string;
  /** Cell texts that mean "not managed", like a blank cell. */
  nulls: NullCells;
  /** Where the list of records is in a YAML/JSON file (`data.items`); the root if absent. */
  records: string[] | undefined;
  /** Absent: the files use our own column names and keys. */
  mapping: Mapping | undefined;
}
