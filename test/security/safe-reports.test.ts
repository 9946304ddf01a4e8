import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import MarkdownIt from "markdown-it";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { cli, workspace } from "./support.js";

/**
 * Reports and results files are opened by people: in a spreadsheet (results CSV), in a pull
 * request (the Markdown plan). Manifest values must not run as formulas there, nor format,
 * link, embed, ping or break the table.
 */
const FORMULA_KEYS = [
  '=HYPERLINK("https://evil.example","x")',
  "+1+1",
  "-2+3",
  "@SUM(A1:A2)",
  "=cmd|' /C calc'!A0",
];
const MARKDOWN_HOSTILE = [
  "a | b",
  "a \\| b",
  "\\",
  "`code`",
  "```",
  "**bold** _em_ ~~strike~~",
  "[link](https://evil.example)",
  "![img](https://evil.example/x.png)",
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "<!-- open comment",
  "&lt;b&gt; &#124;",
  "# heading",
  "> quote",
  "@octo-org/team",
  "https://autolink.example www.autolink.example",
  ":smile: $x$",
];

/** Parsed as GitHub does (GFM tables, bare URLs linked), HTML allowed in the source. */
const markdown = new MarkdownIt({ html: true, linkify: true });

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    // Hostile keys can only be created where Sift's key rule is off (or exist from before it):
    // a deployment that accepts them, with --client-key-check off below.
    clientKeyCheck: "off",
    seed: {
      metadataKeys: [{ name: "note", type: "string" }],
      // Existing runs, so updates render old → new with hostile values on both sides.
      runs: MARKDOWN_HOSTILE.map((text, i) => ({
        clientKey: `md-${i}`,
        name: `old ${text}`,
        tags: ["old"],
      })),
    },
  });
});
afterAll(() => emulator.close());

const env = () => ({ SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" });

describe("results CSV in a spreadsheet", () => {
  it("neutralises every cell that would start a formula, keeping the value readable", async () => {
    const { dir, manifests } = workspace({
      "=evil.csv": `clientKey,name\n${FORMULA_KEYS.map((k) => `"${k.replace(/"/g, '""')}",n`).join("\n")}\n`,
      "@evil.csv": "clientKey,name\nplain,n\n",
    });
    const results = join(dir, "results.csv");
    const run = await cli(
      ["apply", "=evil.csv", "@evil.csv", "--results", results, "--client-key-check", "off"],
      env(),
      manifests,
    );
    expect(run.code, run.stderr).toBe(0);
    const rows = parse(readFileSync(results, "utf8")) as string[][];
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const keys = rows.slice(1).map((r) => r[0]);
    expect(keys).toEqual([...FORMULA_KEYS.map((k) => `'${k}`), "plain"]);
    expect(rows.slice(1).map((r) => r[6])).toEqual([
      ...FORMULA_KEYS.map((_, i) => `'=evil.csv:${i + 2}`),
      "'@evil.csv:2",
    ]);
  });

  it("keeps JSONL exact: it is data for programs, not a spreadsheet", async () => {
    const { dir, manifests } = workspace({
      "runs.json": JSON.stringify(FORMULA_KEYS.map((clientKey) => ({ clientKey, name: "n" }))),
    });
    const results = join(dir, "results.jsonl");
    const run = await cli(
      ["apply", manifests, "--results", results, "--client-key-check", "off"],
      env(),
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = readFileSync(results, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.clientKey)).toEqual(FORMULA_KEYS);
  });
});

describe("the Markdown plan in a pull request", () => {
  async function planMarkdown(): Promise<string> {
    const runs = MARKDOWN_HOSTILE.map((text, i) => ({
      clientKey: `md-${i}`,
      name: text,
      description: `${text}\nsecond line | ${text}`,
      tags: [text.replace(/\s/g, "_")],
      metadata: { note: text },
    }));
    runs.push({
      clientKey: '=HYPERLINK("https://evil.example")|x',
      name: "new | run",
      description: "<b>",
      tags: ["@everyone"],
      metadata: { note: "![x](y)" },
    });
    const { manifests } = workspace({ "runs.json": JSON.stringify(runs) });
    const run = await cli(
      ["plan", manifests, "--format", "markdown", "--client-key-check", "off"],
      env(),
    );
    expect(run.code, run.stderr).toBe(0);
    return run.stdout;
  }

  it("cannot break the table: one row per changed run, four cells each", async () => {
    const tokens = markdown.parse(await planMarkdown(), {});
    expect(tokens.filter((t) => t.type === "table_open")).toHaveLength(1);
    const rows = rowsOf(tokens);
    expect(rows).toHaveLength(MARKDOWN_HOSTILE.length + 1 + 1); // header + updates + the create
    for (const row of rows) expect(row).toHaveLength(4);
    expect(rows.slice(1).map((r) => r[0])).toEqual([
      ...MARKDOWN_HOSTILE.map(() => "update"),
      "create",
    ]);
  });

  it("cannot link, embed, format, mention or inject HTML; values show literally", async () => {
    const inline = markdown.parse(await planMarkdown(), {}).flatMap((t) => t.children ?? []);
    expect(inline.filter((t) => t.type === "image")).toEqual([]);
    // Only a bare URL may become a link (GitHub autolinks them even in <code>): its text is its
    // address, as written in the manifest. A Markdown link with other text never forms.
    for (const link of inline.filter((t) => t.type === "link_open")) {
      expect(link.markup).toBe("linkify");
    }
    const html = inline.filter((t) => t.type === "html_inline").map((t) => t.content);
    expect(new Set(html)).toEqual(new Set(["<code>", "</code>", "<br>"]));
    // Values sit in <code>: nothing in there formats. Outside it (the report's own words),
    // no @mention can form.
    let inCode = false;
    for (const token of inline) {
      if (token.type === "html_inline") inCode = token.content === "<code>";
      else if (inCode) expect(["text", "link_open", "link_close"]).toContain(token.type);
      else if (token.type === "text") expect(token.content).not.toMatch(/(^|\W)@\w/);
    }
    const shown = inline.map((t) => (t.type === "text" ? t.content : "")).join("");
    for (const value of MARKDOWN_HOSTILE) expect(shown).toContain(JSON.stringify(value));
    expect(shown).toContain("'=HYPERLINK("); // a formula-like clientKey is neutralised
    expect(shown).toContain("\\nsecond line"); // a line break is shown, not obeyed
  });
});

type Token = ReturnType<typeof markdown.parse>[number];

/** The table's rows as cell texts (inline content joined), header first. */
function rowsOf(tokens: Token[]): string[][] {
  const rows: string[][] = [];
  for (const token of tokens) {
    if (token.type === "tr_open") rows.push([]);
    if (token.type === "inline" && rows.length > 0 && isInCell(tokens, token)) {
      rows.at(-1)!.push(token.content);
    }
  }
  return rows;
}

function isInCell(tokens: Token[], token: Token): boolean {
  const before = tokens[tokens.indexOf(token) - 1];
  return before?.type === "td_open" || before?.type === "th_open";
}
