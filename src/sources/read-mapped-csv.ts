import { isPlain, markPlain } from "../core/plain-text.js";
import { bindCsvHeader } from "./bind-columns.js";
import { RecordMapper } from "./map-record.js";
import type { Mapping } from "./mapping.js";
import type { SourceConfig } from "./source-config.js";
import {
  type CsvHeader,
  describeDelimiter,
  type FieldProblem,
  type LineReading,
  locateProblems,
  type ManifestItem,
  readCsvTable,
  type RunParts,
  lineStubItem,
  withLineHash,
} from "../manifest/index.js";

/**
 * Reads a CSV export through a mapping: the source's dialect (delimiter, encoding, preamble
 * lines), a header row of the export's own column names, then one run per row. Streams
 * like a CSV manifest, on the same table reader.
 */
export async function* readMappedCsv(
  path: string,
  file: string,
  source: SourceConfig,
  mapping: Mapping,
  defaults: RunParts,
  /** Whether the config's text is all below U+0300 (its templates and values are NFC). */
  plainConfig = false,
  /** Its lines hashed and matched with the sync cache's rows (manifest/file-skips.ts). */
  lines?: LineReading,
): AsyncGenerator<ManifestItem[]> {
  let mapper: RecordMapper<readonly string[]> | undefined;
  for await (const batch of readCsvTable(path, file, source.csv, lines)) {
    const items: ManifestItem[] = [];
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!; // indexed, as in map-record.ts
      switch (item.kind) {
        case "problem":
          items.push(item);
          break;
        case "header": {
          const binding = bindCsvHeader(item.header.names, mapping, source.nulls);
          if (!binding.ok) {
            const at = { file, line: item.header.line };
            const problems = explainDelimiter(item.header, mapping) ?? binding.problems;
            for (const problem of locateProblems(at, problems)) {
              items.push({ kind: "problem", problem });
            }
            yield items;
            return; // rows cannot be read without their columns
          }
          mapper = new RecordMapper(binding.bound, source.nulls, defaults);
          break;
        }
        case "invalid-record":
          items.push({
            kind: "invalid-run",
            source: { file, line: item.line },
            problems: [item.problem],
          });
          break;
        case "record": {
          const { cells, line, hash } = item.record;
          if (isBlankRow(cells)) break;
          const mapped = mapper!.map(cells, { file, line });
          // NOTE: nor one whose local time a dst rule decided: a stub would not say so again.
          if (hash !== undefined && mapped.kind === "run" && mapped.resolved === undefined)
            withLineHash(mapped.spec, hash);
          items.push(mapped);
          break;
        }
        case "stub":
          items.push(lineStubItem(lines!, item.entry, { file, line: item.line }, item.hash));
          break;
        default:
          item satisfies never;
      }
    }
    if (plainConfig && isPlain(batch)) markPlain(items);
    if (items.length > 0) yield items;
  }
}

/** One problem instead of a column per name when the file uses another delimiter. */
function explainDelimiter(header: CsvHeader, mapping: Mapping): FieldProblem[] | undefined {
  if (header.looksLike === undefined) return undefined;
  const used = describeDelimiter(header.delimiter);
  const likely = describeDelimiter(header.looksLike);
  return [
    {
      field: "header",
      message: `read with ${used} as the delimiter (csv: of ${mapping.via}), the header has ${header.names.length === 1 ? "a single column" : `only ${header.names.length} columns`}, but it looks ${likely}-separated (leave delimiter out, or set it to ${likely})`,
    },
  ];
}

function isBlankRow(cells: readonly string[]): boolean {
  for (let i = 0; i < cells.length; i++) if (cells[i]!.trim() !== "") return false;
  return true;
}
