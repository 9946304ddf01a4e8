// Is the emulator's clientKey lookup indexed? Times `client_key in [...1000 keys]` over a
// store of `--runs` runs (default 1,000,000), calling the emulator's API object directly: 1000
// keys make a URL over the 8 KiB limit, which the HTTP layer (rightly) refuses.
//
//   node bench/index-check.mjs [--runs 1000000]   → one JSON line: {runs, keys, medianMs, ...}
import { Api } from "../dist/emulator/api.js";
import { applySeed } from "../dist/emulator/seed.js";
import { Store } from "../dist/emulator/store.js";
import { BASE_SEED, benchRun, seedRuns } from "./runs.mjs";

const KEYS = 1000;
const ROUNDS = 7;
const LOAD_CHUNK = 10_000;

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 1_000_000;

const store = new Store();
applySeed(store, BASE_SEED);
const loadStarted = performance.now();
for (let from = 0; from < runs; from += LOAD_CHUNK) {
  applySeed(store, seedRuns("idx", from, Math.min(LOAD_CHUNK, runs - from)));
}
const loadSeconds = (performance.now() - loadStarted) / 1000;
const api = new Api(store);

const times = [];
for (let round = 0; round < ROUNDS; round++) {
  // Keys spread over the whole store, different each round (no cached compiled filter helps).
  const keys = Array.from({ length: KEYS }, (_, i) => {
    const index = Math.floor(((i * ROUNDS + round) / (KEYS * ROUNDS)) * runs);
    return `'${benchRun("idx", index).clientKey}'`;
  });
  const params = new URLSearchParams({
    filter: `client_key in [${keys.join(",")}]`,
    pageSize: "1000",
  });
  const started = performance.now();
  const page = api.listRuns(params);
  times.push(performance.now() - started);
  if (page.runs.length !== KEYS) throw new Error(`expected ${KEYS} runs, got ${page.runs.length}`);
}
times.sort((a, b) => a - b);
const result = {
  runs,
  keys: KEYS,
  medianMs: Number(times[Math.floor(ROUNDS / 2)].toFixed(1)),
  maxMs: Number(times.at(-1).toFixed(1)),
  loadSeconds: Number(loadSeconds.toFixed(1)),
};
console.log(JSON.stringify(result));
