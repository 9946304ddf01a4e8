import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { compareTimestamps, type Timestamp } from "../../src/time/timestamp.js";
import { type SeedRun, startEmulator, type WireRun } from "../../src/emulator/index.js";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

/**
 * ListRuns `orderBy` as Sift documents it: a comma-separated list of fields, each with an
 * optional ` desc`, or one `metadata["key"]`; unset values last; ties in creation order;
 * paging by key stays consistent. The expected orders come from a small model below.
 */

const emulator = useEmulator();
const RUNS = 24;
const FIELDS = [
  "name",
  "description",
  "created_date",
  "modified_date",
  "start_time",
  "stop_time",
] as const;

/** Runs with many ties, unset times and missing metadata keys. Creation order = index. */
function seedRun(i: number): SeedRun {
  const start =
    i % 5 === 0
      ? undefined
      : i === 7
        ? "2024-01-04T00:00:00.000000001Z" // a nanosecond after run 3's start
        : `2024-01-0${1 + (i % 4)}T00:00:00Z`;
  const metadata: Record<string, string | number | boolean> = {};
  if (i % 4 !== 0) metadata.alt = (i % 6) - 2;
  if (i % 3 !== 1) metadata.site = ["north", "south", "East"][i % 3]!;
  if (i % 5 !== 0) metadata.ok = i % 2 === 0;
  return {
    clientKey: `o-${String(i).padStart(2, "0")}`,
    name: ["gamma", "alpha", "beta"][i % 3]!,
    description: ["", "x", "y", "x"][i % 4]!,
    startTime: start,
    stopTime: start !== undefined && i % 3 !== 0 ? `2024-01-1${i % 2}T00:00:00Z` : undefined,
    metadata,
  };
}

beforeAll(() => {
  emulator().load({
    metadataKeys: { alt: "number", site: "string", ok: "boolean" },
    runs: Array.from({ length: RUNS }, (_, i) => seedRun(i)),
  });
});

type Value = string | number | boolean | undefined;

function valueOf(run: WireRun, field: string): Value {
  const metadata = /^metadata\["(.*)"\]$/.exec(field);
  if (metadata !== null) {
    const m = run.metadata?.find((v) => v.key.name === metadata[1]);
    return m?.stringValue ?? (m?.numberValue as number | undefined) ?? m?.booleanValue;
  }
  switch (field) {
    case "name":
      return run.name ?? "";
    case "description":
      return run.description ?? "";
    case "created_date":
      return run.createdDate;
    case "modified_date":
      return run.modifiedDate;
    case "start_time":
      return run.startTime;
    case "stop_time":
      return run.stopTime;
  }
  throw new Error(field);
}

/** The model: each term in turn, unset values last either way; ties in creation order. */
function modelOrder(runs: WireRun[], orderBy: string): string[] {
  const terms = orderBy.split(",").map((t) => {
    const [field, dir] = t.trim().split(/\s+/);
    return { field: field!, desc: dir === "desc" };
  });
  const isTime = (f: string) => f.endsWith("_date") || f.endsWith("_time");
  const sorted = runs
    .map((run, seq) => ({ run, seq }))
    .sort((a, b) => {
      for (const { field, desc } of terms) {
        const x = valueOf(a.run, field);
        const y = valueOf(b.run, field);
        if (x === undefined || y === undefined) {
          if (x !== y) return x === undefined ? 1 : -1;
          continue;
        }
        const c = isTime(field)
          ? compareTimestamps(x as Timestamp, y as Timestamp)
          : x < y
            ? -1
            : x > y
              ? 1
              : 0;
        if (c !== 0) return desc ? -c : c;
      }
      return a.seq - b.seq;
    });
  return sorted.map((s) => s.run.clientKey!);
}

async function list(params: Record<string, string | number | undefined>) {
  const { status, body } = await callApi(emulator(), "GET", `/api/v2/runs${query(params)}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as { runs: WireRun[]; nextPageToken: string };
}

/** Every page of a listing: the client keys in order, and the page sizes. */
async function listAll(params: Record<string, string | number | undefined>) {
  const keys: string[] = [];
  const sizes: number[] = [];
  let pageToken: string | undefined;
  do {
    const page = await list({ ...params, pageToken });
    keys.push(...page.runs.map((r) => r.clientKey!));
    sizes.push(page.runs.length);
    pageToken = page.nextPageToken || undefined;
  } while (pageToken !== undefined);
  return { keys, sizes };
}

function allRuns(): WireRun[] {
  return emulator().runs();
}

describe("ListRuns orderBy", () => {
  it("a comma-separated list: ties of the first field ordered by the next", async () => {
    const { keys } = await listAll({ orderBy: "name,start_time desc", pageSize: 1000 });
    expect(keys.slice(0, 8)).toEqual([
      "o-07", // alpha, 2024-01-04, a nanosecond after o-19's start
      "o-19", // alpha, 2024-01-04
      "o-22", // alpha, 2024-01-03
      "o-01", // alpha, 2024-01-02: equal starts keep creation order
      "o-13",
      "o-04", // alpha, 2024-01-01
      "o-16",
      "o-10", // alpha without a start time: last among the alphas
    ]);
    expect(keys).toEqual(modelOrder(allRuns(), "name,start_time desc"));
  });

  it("pages through multi-field orders with a page smaller than the result, ties included", async () => {
    for (const orderBy of [
      "name,description desc,stop_time",
      "description,name desc",
      "start_time desc,name",
      "stop_time,start_time desc,name desc",
      "name desc,created_date desc",
    ]) {
      const { keys, sizes } = await listAll({ orderBy, pageSize: 5 });
      expect(keys, orderBy).toEqual(modelOrder(allRuns(), orderBy));
      expect(sizes, orderBy).toEqual([5, 5, 5, 5, 4]);
    }
  });

  it("unset start and stop times sort last, ascending and descending", async () => {
    const withoutStart = allRuns()
      .filter((r) => r.startTime === undefined)
      .map((r) => r.clientKey!);
    expect(withoutStart).toEqual(["o-00", "o-05", "o-10", "o-15", "o-20"]);
    for (const orderBy of ["start_time", "start_time desc"]) {
      const { keys } = await listAll({ orderBy, pageSize: 4 });
      expect(keys.slice(-5), orderBy).toEqual(withoutStart);
    }
    const byStop = (await listAll({ orderBy: "stop_time desc", pageSize: 4 })).keys;
    const stopped = allRuns().filter((r) => r.stopTime !== undefined).length;
    expect(
      byStop.slice(stopped).every((k) => !allRuns().find((r) => r.clientKey === k)!.stopTime),
    ).toBe(true);
  });

  it("defaults to created_date desc; created_date alone is creation order", async () => {
    const created = allRuns().map((r) => r.clientKey!);
    expect((await listAll({ pageSize: 7 })).keys).toEqual([...created].reverse());
    expect((await listAll({ orderBy: "created_date", pageSize: 7 })).keys).toEqual(created);
    expect((await listAll({ orderBy: "created_date desc", pageSize: 7 })).keys).toEqual(
      [...created].reverse(),
    );
  });

  it('metadata["key"]: by value, runs without the key last, both directions, paged', async () => {
    for (const orderBy of [
      'metadata["alt"]',
      'metadata["alt"] desc',
      'metadata["site"]',
      'metadata["site"] desc',
      'metadata["ok"]',
      'metadata["ok"] desc',
    ]) {
      const { keys, sizes } = await listAll({ orderBy, pageSize: 5 });
      expect(keys, orderBy).toEqual(modelOrder(allRuns(), orderBy));
      expect(sizes.reduce((a, b) => a + b)).toBe(RUNS);
    }
    const asc = (await listAll({ orderBy: 'metadata["alt"]', pageSize: 50 })).keys;
    const desc = (await listAll({ orderBy: 'metadata["alt"] desc', pageSize: 50 })).keys;
    const missing = ["o-00", "o-04", "o-08", "o-12", "o-16", "o-20"];
    expect(asc.slice(-6)).toEqual(missing);
    expect(desc.slice(-6)).toEqual(missing);
    expect(asc.slice(0, 2)).toEqual(["o-06", "o-18"]); // alt = -2, in creation order
    // A key no run has: every run ties, so creation order.
    const none = (await listAll({ orderBy: 'metadata["nobody"]', pageSize: 9 })).keys;
    expect(none).toEqual(allRuns().map((r) => r.clientKey));
    // Single quotes and escapes read the key as CEL does.
    expect((await listAll({ orderBy: "metadata['alt']", pageSize: 50 })).keys).toEqual(asc);
  });

  it("matches the model for any order and page size (property)", async () => {
    const term = fc.record({ field: fc.constantFrom(...FIELDS), desc: fc.boolean() });
    const orders = fc.uniqueArray(term, { minLength: 1, maxLength: 4, selector: (t) => t.field });
    await fc.assert(
      fc.asyncProperty(orders, fc.integer({ min: 1, max: 30 }), async (terms, pageSize) => {
        const orderBy = terms.map((t) => (t.desc ? `${t.field} desc` : t.field)).join(",");
        const { keys } = await listAll({ orderBy, pageSize });
        expect(keys).toEqual(modelOrder(allRuns(), orderBy));
      }),
      { numRuns: 30 },
    );
  });

  it("combines with a filter, and a token outlives a change of spacing only", async () => {
    const filter = "name != 'beta'";
    const orderBy = "description desc, stop_time";
    const { keys } = await listAll({ filter, orderBy, pageSize: 3 });
    const expected = modelOrder(
      allRuns().filter((r) => r.name !== "beta"),
      orderBy,
    );
    expect(keys).toEqual(expected);
    const first = await list({ filter, orderBy, pageSize: 3 });
    const again = await list({
      filter,
      orderBy: "description desc,stop_time",
      pageSize: 3,
      pageToken: first.nextPageToken,
    });
    expect(again.runs.map((r) => r.clientKey)).toEqual(expected.slice(3, 6));
    const other = await callApi(
      emulator(),
      "GET",
      `/api/v2/runs${query({ filter, orderBy: "description,stop_time", pageSize: 3, pageToken: first.nextPageToken })}`,
    );
    expect(other.status).toBe(400);
  });

  it("orders the runs an indexed filter (client_key in [...]) finds, paged", async () => {
    const wanted = ["o-03", "o-07", "o-10", "o-11", "o-13", "o-16", "o-19", "o-22"];
    const filter = `client_key in [${wanted.map((k) => `'${k}'`).join(", ")}]`;
    for (const orderBy of ["name desc,start_time", "created_date desc", 'metadata["alt"]']) {
      const { keys } = await listAll({ filter, orderBy, pageSize: 3 });
      const expected = modelOrder(
        allRuns().filter((r) => wanted.includes(r.clientKey!)),
        orderBy,
      );
      expect(keys, orderBy).toEqual(expected);
    }
  });

  it("400 INVALID_ARGUMENT for an order Sift refuses", async () => {
    for (const orderBy of [
      "colour",
      "name ascending",
      "name ASC",
      "name DESC",
      "name desc desc",
      "name,name desc",
      "name,",
      "client_key",
      "duration",
      'metadata["alt"],name',
      'name,metadata["alt"]',
      "metadata[alt]",
      "metadata.alt",
    ]) {
      const { status, body } = await callApi(
        emulator(),
        "GET",
        `/api/v2/runs${query({ orderBy })}`,
      );
      expect(status, orderBy).toBe(400);
      expect(body.code, orderBy).toBe(3);
      expect(body.message, orderBy).toContain("order_by");
    }
  });

  it("modified_date follows updates", async () => {
    const runs = allRuns();
    const target = runs[3]!;
    const update = await callApi(emulator(), "PATCH", "/api/v2/runs", {
      run: { runId: target.runId, description: "touched" },
      updateMask: "description",
    });
    expect(update.status).toBe(200);
    const { keys } = await listAll({ orderBy: "modified_date desc", pageSize: 10 });
    expect(keys[0]).toBe(target.clientKey);
    expect(keys).toEqual(modelOrder(allRuns(), "modified_date desc"));
  });
});

describe('metadata["key"] with NaN and infinite numbers', () => {
  it("orders -Infinity < numbers < Infinity < NaN, and pages through them one by one", async () => {
    const own = await startEmulator();
    try {
      const values = [Number.NaN, 2, Number.POSITIVE_INFINITY, -1, Number.NEGATIVE_INFINITY];
      own.load({
        runs: [
          ...values.map((x, i) => ({ clientKey: `n${i}`, name: `n${i}`, metadata: { x } })),
          { clientKey: "none", name: "none" },
        ],
      });
      const keys: string[] = [];
      let pageToken: string | undefined;
      do {
        const params = { orderBy: 'metadata["x"]', pageSize: 1, pageToken };
        const { status, body } = await callApi(own, "GET", `/api/v2/runs${query(params)}`);
        expect(status, JSON.stringify(body)).toBe(200);
        keys.push(...body.runs.map((r: WireRun) => r.clientKey));
        pageToken = body.nextPageToken || undefined;
      } while (pageToken !== undefined);
      expect(keys).toEqual(["n4", "n3", "n1", "n2", "n0", "none"]);
    } finally {
      await own.close();
    }
  });
});

describe("page tokens stay short when sort values are long", () => {
  it("pages by long descriptions with short tokens; a changed cursor item is a clear 400", async () => {
    const own = await startEmulator();
    try {
      const long = (c: string) => "x".repeat(6000) + c;
      own.load({
        runs: ["c", "a", "b", "a"].map((c, i) => ({
          clientKey: `d${i}`,
          name: `d${i}`,
          description: long(c),
        })),
      });
      const keys: string[] = [];
      const tokens: string[] = [];
      let pageToken: string | undefined;
      do {
        const params = { orderBy: "description desc,name", pageSize: 1, pageToken };
        const { status, body } = await callApi(own, "GET", `/api/v2/runs${query(params)}`);
        expect(status, JSON.stringify(body)).toBe(200);
        keys.push(...body.runs.map((r: WireRun) => r.clientKey));
        pageToken = body.nextPageToken || undefined;
        if (pageToken !== undefined) tokens.push(pageToken);
      } while (pageToken !== undefined);
      expect(keys).toEqual(["d0", "d2", "d1", "d3"]);
      expect(Math.max(...tokens.map((t) => t.length))).toBeLessThan(200);

      // The run the token continues from changes: the token cannot say where to go on.
      const first = await callApi(
        own,
        "GET",
        `/api/v2/runs${query({ orderBy: "description desc,name", pageSize: 1 })}`,
      );
      const runId = first.body.runs[0].runId;
      const patched = await callApi(own, "PATCH", "/api/v2/runs", {
        run: { runId, description: long("z") },
        updateMask: "description",
      });
      expect(patched.status).toBe(200);
      const stale = await callApi(
        own,
        "GET",
        `/api/v2/runs${query({ orderBy: "description desc,name", pageSize: 1, pageToken: first.body.nextPageToken })}`,
      );
      expect(stale.status).toBe(400);
      expect(stale.body.code).toBe(3);
      expect(stale.body.message).toMatch(/page_token expired/);
    } finally {
      await own.close();
    }
  });
});
