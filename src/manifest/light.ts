/**
 * The manifest step's second entry: the names of formats and CSV dialects, which need no
 * parser nor schema library (no csv-parse, yaml or zod, which index.ts loads with its
 * readers). For the modules that must start light: the CLI's flag definitions (`plan --help`
 * loads only commander and these) and the stdin spooling of every command's lifecycle.
 * Everything else imports index.ts.
 */
export { type CsvDialect, readCsvDialect } from "./csv-dialect.js";
export { formatOf, MANIFEST_FORMATS } from "./formats.js";
