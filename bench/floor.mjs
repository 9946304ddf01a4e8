// The transport floor: the same number of requests as a scenario, sent by the barest client
// (node:http, keep-alive, `concurrency` loops, a tiny GET) to the same emulator. The gap
// between T_min and this floor is the machine's (event loops, scheduling, syscalls), not the
// CLI's; the gap between the floor and the CLI's time is the CLI's.
import { Agent, request } from "node:http";
import { API_KEY } from "./processes.mjs";

export async function measureFloor(url, requests, concurrency) {
  const agent = new Agent({ keepAlive: true });
  const target = `${url}/api/v1/metadata-keys?pageSize=1`;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < requests) await get(target, agent);
    }),
  );
  agent.destroy();
  return (performance.now() - started) / 1000;
}

function get(url, agent) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${API_KEY}` } }, (res) => {
      res.resume();
      res.on("end", resolve);
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * The floor of a backfill: `bodies.length` CreateAdhocRun POSTs of these bodies, and `others`
 * tiny GETs (the lookups), sent by the same bare loop. The tiny GET costs the emulator next to
 * nothing; a create costs it parsing, checks and a run's answer (~1 KB), on the same cores as
 * the CLI, so this is what the machine and the emulator allow a backfill.
 */
export async function measureCreateFloor(url, bodies, others, concurrency) {
  const agent = new Agent({ keepAlive: true });
  const gets = `${url}/api/v1/metadata-keys?pageSize=1`;
  const creates = `${url}/api/v2/runs:adhoc`;
  const total = bodies.length + others;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        if (i < bodies.length) await post(creates, JSON.stringify(bodies[i]), agent);
        else await get(gets, agent);
      }
    }),
  );
  agent.destroy();
  return (performance.now() - started) / 1000;
}

function post(url, body, agent) {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };
    const req = request(url, { method: "POST", agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`POST ${url}: ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
