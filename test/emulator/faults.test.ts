import { describe, expect, it } from "vitest";
import { type Emulator, type FaultKind, startEmulator } from "../../src/emulator/index.js";
import { AUTH, callApi } from "../helpers/emulator.js";

async function withEmulator<T>(
  options: Parameters<typeof startEmulator>[0],
  use: (emulator: Emulator) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulator(options);
  try {
    return await use(emulator);
  } finally {
    await emulator.close();
  }
}

const always = (kind: FaultKind) => ({ faultRate: 1, faultSeed: 7, faultKinds: [kind] });

describe("injected faults", () => {
  it("unavailable: 503 with a JSON error, code 14", async () => {
    await withEmulator(always("unavailable"), async (e) => {
      const { status, body } = await callApi(e, "GET", "/api/v2/runs");
      expect(status).toBe(503);
      expect(body).toMatchObject({ code: 14, details: [] });
      expect(e.stats().faults.unavailable).toBe(1);
    });
  });

  it("rate-limited: 429 without Retry-After (as Sift documents it) unless given, code 8", async () => {
    await withEmulator(always("rate-limited"), async (e) => {
      const { status, headers, body } = await callApi(e, "GET", "/api/v2/runs");
      expect(status).toBe(429);
      expect(headers.get("retry-after")).toBeNull();
      expect(body).toMatchObject({ code: 8 });
    });
    await withEmulator({ ...always("rate-limited"), retryAfterSeconds: 3 }, async (e) => {
      const { headers } = await callApi(e, "GET", "/api/v2/runs");
      expect(headers.get("retry-after")).toBe("3");
    });
    await withEmulator({ ...always("rate-limited"), retryAfterSeconds: 0 }, async (e) => {
      const { headers } = await callApi(e, "GET", "/api/v2/runs");
      expect(headers.get("retry-after")).toBe("0");
    });
  });

  it("bad-gateway-html: 502 with a proxy's HTML page", async () => {
    await withEmulator(always("bad-gateway-html"), async (e) => {
      const { status, headers, body } = await callApi(e, "POST", "/api/v2/runs", { name: "x" });
      expect(status).toBe(502);
      expect(headers.get("content-type")).toMatch(/text\/html/);
      expect(body).toMatch(/<html>/);
      expect(e.runs()).toHaveLength(0);
    });
  });

  it("lost-answer: the write is committed, then the connection drops", async () => {
    await withEmulator(always("lost-answer"), async (e) => {
      await expect(
        fetch(`${e.url}/api/v2/runs`, {
          method: "POST",
          headers: { ...AUTH, "content-type": "application/json" },
          body: JSON.stringify({ name: "committed", clientKey: "lost-1" }),
        }),
      ).rejects.toThrow();
      expect(e.runs().map((r) => r.clientKey)).toEqual(["lost-1"]);
      expect(e.stats()).toMatchObject({ writes: 1, faults: { "lost-answer": 1 } });
      await expect(fetch(`${e.url}/api/v2/runs`, { headers: AUTH })).rejects.toThrow();
    });
  });

  it("a fault rate injects some faults; the same seed gives the same sequence", async () => {
    const statuses = async (faultSeed: number) =>
      withEmulator({ faultRate: 0.5, faultSeed, faultKinds: ["unavailable"] }, async (e) => {
        const out: number[] = [];
        for (let i = 0; i < 40; i++) out.push((await callApi(e, "GET", "/api/v2/runs")).status);
        return out;
      });
    const first = await statuses(42);
    expect(first).toContain(200);
    expect(first).toContain(503);
    expect(await statuses(42)).toEqual(first);
    expect(await statuses(43)).not.toEqual(first);
  });
});

describe("--rps", () => {
  it("answers 429 above N requests per second (Retry-After only when asked for)", async () => {
    await withEmulator({ rps: 5, retryAfterSeconds: 2 }, async (e) => {
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => callApi(e, "GET", "/api/v2/runs")),
      );
      const limited = answers.filter((a) => a.status === 429);
      expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(5);
      expect(limited.length).toBeGreaterThan(0);
      expect(limited[0]!.headers.get("retry-after")).toBe("2");
      expect(limited[0]!.body.code).toBe(8);
      expect(e.stats().throttled).toBe(limited.length);
    });
  });
});

describe("latency and instrumentation", () => {
  it("counts requests per operation, writes, concurrency; resetStats zeroes them", async () => {
    await withEmulator({ latencyMs: 50 }, async (e) => {
      await Promise.all(Array.from({ length: 4 }, () => callApi(e, "GET", "/api/v2/runs")));
      const created = await callApi(e, "POST", "/api/v2/runs", { name: "x" });
      await callApi(e, "POST", "/api/v2/runs", {});
      await callApi(e, "GET", `/api/v2/runs/${created.body.run.runId}`);
      await callApi(e, "GET", "/api/v1/assets");
      await callApi(e, "GET", "/nowhere");
      const stats = e.stats();
      expect(stats.requests).toMatchObject({
        ListRuns: 4,
        CreateRun: 2,
        GetRun: 1,
        ListAssets: 1,
        UpdateRun: 0,
      });
      expect(stats.total).toBe(9);
      expect(stats.writes).toBe(1);
      // 50 ms of latency holds the four parallel reads in flight together.
      expect(stats.maxInFlight).toBe(4);
      e.resetStats();
      expect(e.stats()).toMatchObject({ total: 0, writes: 0, maxInFlight: 0 });
    });
  });

  it("refuses bad options", async () => {
    await expect(startEmulator({ faultRate: 2 })).rejects.toThrow(/fault rate/);
    await expect(startEmulator({ rps: 0 })).rejects.toThrow(/rps/);
    await expect(startEmulator({ latencyMs: -1 })).rejects.toThrow(/latency/);
  });
});
