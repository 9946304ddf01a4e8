import { ClientKeyRegistry } from "../manifest/client-keys.js";
import { lookupRuns, type LookupClient } from "../sift/lookup.js";
import type { Run } from "../sift/schemas.js";
import { disambiguateKey, expandKeyTemplate, type KeyTemplate } from "./key-template.js";

/** Rounds of "taken → disambiguate → look up again" before giving up on a key. */
const MAX_KEY_ROUNDS = 5;
/** The registry records where a key was defined; generated keys come from no file. */
const NO_SOURCE = { file: "(generated)", line: 1 };

/**
 * Generated clientKeys for runs that have none, unique twice over: among the keys this export
 * generates (kept in a compact registry, the one structure that grows with the export), and
 * against every clientKey in Sift (archived runs and runs outside the filter included), looked
 * up in batches. A taken key gets the run id appended.
 */
export class KeyGenerator {
  private readonly generated = new ClientKeyRegistry();

  constructor(
    private readonly client: LookupClient,
    private readonly template: KeyTemplate,
  ) {}

  /** A key per keyless run of one page (runId → key); runs left out got no free key. */
  async keysFor(runs: readonly Run[]): Promise<Map<string, string>> {
    const keys = new Map<string, string>();
    const base = new Map<string, string>(); // runId → the template's key
    for (const run of runs) {
      const values = { runId: run.runId, name: run.name, startTime: run.startTime };
      base.set(run.runId, expandKeyTemplate(this.template, values));
    }
    let pending = new Map(base); // runId → the key to try
    for (let round = 1; pending.size > 0 && round <= MAX_KEY_ROUNDS; round++) {
      const taken = await lookupRuns(this.client, [...new Set(pending.values())]);
      const retry = new Map<string, string>();
      for (const [runId, key] of pending) {
        const free = !taken.has(key) && this.generated.add(key, NO_SOURCE) === undefined;
        if (free) keys.set(runId, key);
        else retry.set(runId, disambiguateKey(base.get(runId)!, runId, round));
      }
      pending = retry;
    }
    return keys;
  }
}
