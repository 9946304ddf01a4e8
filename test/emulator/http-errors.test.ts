import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { errorBodySchema } from "../../src/sift/schemas.js";
import { AUTH, callApi, useEmulator } from "../helpers/emulator.js";

const emulator = useEmulator({ apiKey: "s3cret" });
const KEY = { authorization: "Bearer s3cret" };

describe("authentication", () => {
  it("401 / code 16 without the bearer key, and never echoes a key", async () => {
    const attempts: Record<string, string>[] = [
      {},
      AUTH,
      { authorization: "s3cret" },
      { authorization: "Bearer s3cre" },
    ];
    for (const headers of attempts) {
      const { status, body } = await callApi(emulator(), "GET", "/api/v2/runs", undefined, headers);
      expect(status).toBe(401);
      expect(body).toMatchObject({ code: 16, details: [] });
      expect(JSON.stringify(body)).not.toContain("s3cre");
    }
    const ok = await callApi(emulator(), "GET", "/api/v2/runs", undefined, KEY);
    expect(ok.status).toBe(200);
  });
});

describe("routing and bodies", () => {
  it("404 / code 5 on an unknown route, 405 on a known path with another method", async () => {
    const unknown = await callApi(emulator(), "GET", "/api/v3/runs", undefined, KEY);
    expect(unknown.status).toBe(404);
    expect(errorBodySchema.parse(unknown.body).code).toBe(5);
    const wrongMethod = await callApi(emulator(), "DELETE", "/api/v2/runs", undefined, KEY);
    expect(wrongMethod.status).toBe(405);
  });

  it("400 / code 3 on a body that is not JSON or not an object", async () => {
    const bad = await callApi(emulator(), "POST", "/api/v2/runs", "{name: oops", KEY);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 3, details: [] });
    expect(bad.body.message).toMatch(/JSON/);
    const list = await callApi(emulator(), "POST", "/api/v2/runs", "[1]", KEY);
    expect(list.status).toBe(400);
  });

  it("400 naming an unknown body field", async () => {
    const { status, body } = await callApi(
      emulator(),
      "POST",
      "/api/v2/runs",
      {
        name: "x",
        colour: "red",
      },
      KEY,
    );
    expect(status).toBe(400);
    expect(body.message).toContain('"colour"');
  });

  it("400 on a wrongly typed field or a bad timestamp", async () => {
    const typed = await callApi(emulator(), "POST", "/api/v2/runs", { name: 5 }, KEY);
    expect(typed.status).toBe(400);
    const time = await callApi(
      emulator(),
      "POST",
      "/api/v2/runs",
      {
        name: "x",
        startTime: "2024-01-01T00:00:00",
      },
      KEY,
    );
    expect(time.status).toBe(400);
    expect(time.body.message).toMatch(/startTime.*time zone/);
  });
});

describe("URL limit", () => {
  it("414 with a JSON error for a URL over 8 KiB (8192 bytes pass, 8193 do not)", async () => {
    const urlOf = (bytes: number) => {
      // Double quotes: fetch re-encodes a single quote in a query, changing the length.
      const head = `/api/v2/runs?filter=${encodeURIComponent('name == "')}`;
      const tail = encodeURIComponent('"');
      return head + "a".repeat(bytes - head.length - tail.length) + tail;
    };
    expect(urlOf(8192)).toHaveLength(8192);
    const ok = await callApi(emulator(), "GET", urlOf(8192), undefined, KEY);
    expect(ok.status).toBe(200);
    const over = await callApi(emulator(), "GET", urlOf(8193), undefined, KEY);
    expect(over.status).toBe(414);
    expect(errorBodySchema.parse(over.body).message).toMatch(/8192/);
  });

  it("answers a huge URL (beyond node's header limit) with a JSON 414 too", async () => {
    const { status, body } = await rawGet(emulator().url, `/api/v2/runs?x=${"a".repeat(300_000)}`);
    expect(status).toBe(414);
    expect(JSON.parse(body)).toMatchObject({ code: 3 });
  });
});

/** fetch refuses some huge URLs itself; node:http sends anything. */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: KEY }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
