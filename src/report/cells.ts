/**
 * Cells that are safe to open in a spreadsheet. A cell that starts with `=`, `+`, `-`, `@`,
 * a tab or a carriage return may be run as a formula by Excel, LibreOffice or Google Sheets
 * (CSV injection); a leading `'` makes it plain text, as OWASP's guidance recommends. Used by
 * the results CSV and the Markdown report (whose tables get pasted into spreadsheets too).
 */

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}
