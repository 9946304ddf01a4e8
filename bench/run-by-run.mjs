// The reference strategy the benchmark compares against, as Sift's own Rust client syncs
// (sift-api.md, last section): one run at a time, one ListRuns `client_key == '...'`
// (pageSize 1) to find it, then a create when missing or an update with a mask built field by
// field. Written for the bench only; nothing here ships in the product.
import { API_KEY } from "./processes.mjs";

const HEADERS = {
  authorization: `Bearer ${API_KEY}`,
  accept: "application/json",
  "content-type": "application/json",
};

/** Syncs `runs` one after the other; returns counts and the time taken. */
export async function syncRunByRun(url, runs, assetIds) {
  const counts = { created: 0, updated: 0, unchanged: 0, requests: 0 };
  const started = performance.now();
  for (const run of runs) {
    const filter = `client_key == '${run.clientKey.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    const query = new URLSearchParams({ filter, pageSize: "1" });
    const found = await call(counts, "GET", `${url}/api/v2/runs?${query}`);
    const existing = found.runs?.[0];
    if (existing === undefined) {
      await call(counts, "POST", `${url}/api/v2/runs:adhoc`, createBody(run, assetIds));
      counts.created++;
      continue;
    }
    const { fields, mask } = updateOf(run, existing);
    if (mask.length === 0) {
      counts.unchanged++;
      continue;
    }
    const body = { run: { runId: existing.runId, ...fields }, updateMask: mask.join(",") };
    await call(counts, "PATCH", `${url}/api/v2/runs`, body);
    counts.updated++;
  }
  return { ...counts, seconds: (performance.now() - started) / 1000 };
}

async function call(counts, method, url, body) {
  counts.requests++;
  const response = await fetch(url, {
    method,
    headers: HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${json.message}`);
  return json;
}

export function createBody(run, assetIds) {
  return {
    clientKey: run.clientKey,
    name: run.name,
    description: run.description,
    startTime: run.startTime,
    stopTime: run.stopTime,
    assetIds: run.assets.map((name) => assetIds.get(name)),
    tags: run.tags,
    metadata: metadataOf(run),
  };
}

/** The Rust client's way: field by field; tags compared by "is anything new". */
function updateOf(run, existing) {
  const fields = {};
  const mask = [];
  for (const field of ["name", "description", "startTime", "stopTime"]) {
    if ((existing[field] ?? "") !== run[field]) {
      fields[field] = run[field];
      mask.push(field);
    }
  }
  const tags = new Set(existing.tags ?? []);
  if (run.tags.some((tag) => !tags.has(tag))) {
    fields.tags = run.tags;
    mask.push("tags");
  }
  const values = new Map((existing.metadata ?? []).map((m) => [m.key.name, metadataValue(m)]));
  if (Object.entries(run.metadata).some(([key, value]) => values.get(key) !== value)) {
    fields.metadata = metadataOf(run);
    mask.push("metadata");
  }
  return { fields, mask };
}

function metadataValue(m) {
  return (
    m.stringValue ??
    m.numberValue ??
    m.booleanValue ??
    (m.key.type.endsWith("BOOLEAN") ? false : m.key.type.endsWith("NUMBER") ? 0 : "")
  );
}

const WIRE_TYPES = {
  string: ["METADATA_KEY_TYPE_STRING", "stringValue"],
  number: ["METADATA_KEY_TYPE_NUMBER", "numberValue"],
  boolean: ["METADATA_KEY_TYPE_BOOLEAN", "booleanValue"],
};

function metadataOf(run) {
  return Object.entries(run.metadata).map(([name, value]) => {
    const [type, field] = WIRE_TYPES[typeof value];
    return { key: { name, type }, [field]: value };
  });
}
