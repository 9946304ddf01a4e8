import { describe, expect, it } from "vitest";
import { createJsonReport } from "../../src/report/json-report.js";
import { createPlanSummary } from "../../src/plan/summary.js";
import { captureText, mixedPlan } from "./fixtures.js";
import { feed } from "./helpers.js";

function renderJson(): string {
  const out = captureText();
  feed(createJsonReport(out, { target: "https://api.example.test" }), mixedPlan());
  return out.text();
}

describe("json report", () => {
  it("streams one JSON document in the contract §4 shape", () => {
    const text = renderJson();
    expect(text).toMatchInlineSnapshot(`
      "{"version":2,"target":"https://api.example.test","changes":[
      {"clientKey":"tv-001","action":"create","source":"runs.csv:2","warnings":[],"call":"CreateAdhocRun","fields":[{"field":"name","before":null,"after":"Thermal vacuum 1"},{"field":"startTime","before":null,"after":"2024-03-01T08:00:00Z"},{"field":"stopTime","before":null,"after":"2024-03-01T09:30:00.500Z"},{"field":"assets","before":null,"after":["stand-a"]},{"field":"tags","before":null,"after":["tvac"]},{"field":"isPinned","before":null,"after":true},{"field":"metadata.alt","before":null,"after":1200}]},
      {"clientKey":"tv-002","action":"update","source":"runs.csv:3","warnings":["assets differ (Sift has stand-a, the manifest stand-b); assets cannot be updated, left as they are"],"runId":"run-2","updateMask":["name","tags","metadata"],"fields":[{"field":"name","before":"Old","after":"New"},{"field":"tags","before":["a","b"],"after":["a","c"]},{"field":"metadata.alt","before":1200,"after":1300},{"field":"metadata.site","before":"north","after":null}]},
      {"clientKey":"tv-003","action":"unchanged","source":"runs.csv:4","warnings":[],"runId":"run-3","fields":[]},
      {"clientKey":"tv-004","action":"unchanged","source":"runs.yaml:12","warnings":["assets differ (Sift has stand-a, the manifest rig-7); assets cannot be updated, left as they are"],"runId":"run-4","fields":[]},
      {"clientKey":"tv-009","action":"invalid","source":"runs.csv:10","warnings":[],"fields":[],"problems":["runs.csv:10 assets: no asset named \\"nope\\" exists in Sift"]}
      ],"summary":{"create":1,"update":1,"adopt":0,"archive":0,"unarchive":0,"unchanged":2,"invalid":1,"skip":0,"warnings":2}}
      "
    `);
    const doc = JSON.parse(text);
    expect(doc).toMatchObject({
      version: 2,
      target: "https://api.example.test",
      summary: { create: 1, update: 1, unchanged: 2, warnings: 2, invalid: 1 },
    });
    expect(doc.changes.map((c: { action: string }) => c.action)).toEqual([
      "create",
      "update",
      "unchanged",
      "unchanged",
      "invalid",
    ]);
    expect(doc.changes[1]).toMatchObject({
      clientKey: "tv-002",
      action: "update",
      runId: "run-2",
      updateMask: ["name", "tags", "metadata"],
      source: "runs.csv:3",
    });
  });

  it("writes the head first, one change per line, and the summary last", () => {
    const lines = renderJson().trimEnd().split("\n");
    expect(lines[0]).toBe('{"version":2,"target":"https://api.example.test","changes":[');
    expect(lines).toHaveLength(1 + 5 + 1);
    for (const line of lines.slice(1, -1)) {
      expect(JSON.parse(line.replace(/,$/, ""))).toHaveProperty("clientKey");
    }
    expect(lines.at(-1)).toBe(
      '],"summary":{"create":1,"update":1,"adopt":0,"archive":0,"unarchive":0,"unchanged":2,"invalid":1,"skip":0,"warnings":2}}',
    );
  });

  it("is valid JSON with no changes at all", () => {
    const out = captureText();
    const report = createJsonReport(out, { target: "t" });
    report.end(createPlanSummary());
    expect(JSON.parse(out.text())).toEqual({
      version: 2,
      target: "t",
      changes: [],
      summary: createPlanSummary(),
    });
  });
});
