import { z } from "zod";
import { configSchema } from "./config-schema.js";

/** Where the repository and the package keep the generated schema (`npm run schema`). */
export const SYNC_CONFIG_SCHEMA_FILE = "schema/sift-run-sync.schema.json";

/**
 * The JSON Schema of `sift-run-sync.yaml`, generated from the zod schema the loader checks
 * configs with, so editor help and the loader cannot disagree about a key. Draft-07: what
 * yaml-language-server (VS Code, Neovim, ...) and JetBrains IDEs read. The loader checks more
 * than a schema can say (time formats, zones, one of column/template/value): `validate` has
 * the last word.
 */
export function syncConfigJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(configSchema, {
    target: "draft-7",
    io: "input",
    unrepresentable: "any",
  });
  return { $schema, title: "sift-run-sync.yaml", ...schema };
}
