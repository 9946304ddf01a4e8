#!/usr/bin/env node
// `npm run schema`: writes schema/sift-run-sync.schema.json from the zod schema of the sync
// config (src/sources/config-schema.ts), through the built dist/. Commit the result:
// test/sources/config-json-schema.test.ts fails when it is out of date.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  SYNC_CONFIG_SCHEMA_FILE,
  syncConfigJsonSchema,
} from "../dist/sources/config-json-schema.js";

const file = fileURLToPath(new URL(`../${SYNC_CONFIG_SCHEMA_FILE}`, import.meta.url));
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(syncConfigJsonSchema(), null, 2) + "\n");
process.stdout.write(`wrote ${SYNC_CONFIG_SCHEMA_FILE}\n`);
