import type { NamedField } from "../manifest/index.js";
import type { Run } from "../sift/schemas.js";
import { canonicalTime } from "../time/canonical-time.js";
import type { FieldValue } from "./change.js";

/**
 * Sift's value of a field as a report shows it (a change's `before`), by the field's
 * comparison (run-fields.ts): times canonical, sets sorted, others as Sift holds them.
 * Undefined for the fields no UpdateRun carries as they are (assets, metadata).
 */
export function siftValue(run: Run, def: NamedField): FieldValue {
  const value = (run as unknown as Record<string, unknown>)[def.wire];
  switch (def.compare) {
    case "time":
      return canonicalTime(value as string | undefined);
    case "set":
      return [...(value as string[])].sort();
    case "identity":
    case "text":
    case "equal":
      return value as FieldValue;
    case "asset-ids":
    case "metadata":
      return undefined;
    default:
      return def.compare satisfies never;
  }
}
