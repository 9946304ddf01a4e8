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
