import { z } from "zod";
import { ADOPT_BY_PATTERN, adoptByProblem } from "../core/adopt-by.js";
import { CLIENT_KEY_CHECKS } from "../core/client-key.js";
import { UNICODE_MODES } from "../core/unicode.js";
import { SPEC_FIELDS } from "../manifest/index.js";

/*
 * The `options:` of sift-run-sync.yaml (config-schema.ts holds the rest). Every key has a
 * description: the editor help of the generated JSON Schema.
 */

/** Options of plan/apply, as flags name them in camelCase; a flag given on the command line wins. */
export const optionsSchema = z.strictObject({
  metadata: z
    .enum(["merge", "replace"])
    .optional()
    .describe(
      "--metadata: merge (default) sets the manifest's keys and keeps the others; replace leaves exactly the manifest's.",
    ),
  ignore: z
    .array(z.enum(SPEC_FIELDS))
    .optional()
    .describe(
      "--ignore: fields never compared nor written on existing runs, e.g. [startTime, stopTime].",
    ),
  adoptBy: z
    .array(
      z
        .string()
        .regex(ADOPT_BY_PATTERN, { error: (issue) => adoptByProblem(String(issue.input)) })
        // What the pattern cannot say (a tolerance of at most 24h):
        .superRefine((entry, ctx) => {
          const problem = ADOPT_BY_PATTERN.test(entry) ? adoptByProblem(entry) : undefined;
          if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
        }),
    )
    .optional()
    .describe(
      "--adopt-by: a row whose clientKey is not found adopts the one run without a clientKey that agrees on these fields (name, startTime, stopTime, metadata.<key>); a time may carry a tolerance, e.g. [name, startTime~10m].",
    ),
  concurrency: z
    .int()
    .positive()
    .optional()
    .describe("--concurrency: at most this many requests in flight (default 8)."),
  maxRps: z
    .number()
    .positive()
    .optional()
    .describe("--max-rps: at most this many requests per second."),
  timeout: z
    .number()
    .positive()
    .optional()
    .describe(
      "--timeout: seconds one request may take before it is cut off and retried (default 30).",
    ),
  retries: z
    .int()
    .nonnegative()
    .optional()
    .describe(
      "--retries: retries of a request that got no answer or a 429/502/503/504 (default 7, i.e. 8 attempts).",
    ),
  unicode: z
    .enum(UNICODE_MODES)
    .optional()
    .describe(
      "--unicode: nfc (default) reads, compares and writes text in Unicode NFC, so text a Mac wrote decomposed (NFD) equals Sift's; keep compares byte for byte.",
    ),
  clientKeyCheck: z
    .enum(CLIENT_KEY_CHECKS)
    .optional()
    .describe(
      "--client-key-check: sift (default) makes a run to be created with a clientKey Sift refuses invalid (2 to 128 of a-z A-Z 0-9 _ ~ . -, alphanumeric at both ends); off accepts any key.",
    ),
});
export type ConfigOptions = z.infer<typeof optionsSchema>;
