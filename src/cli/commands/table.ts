import type { Command } from "commander";
import type { CommandContext } from "../context.js";

/** Adds a command's options and action to `cmd` (made from its row: name, description, arguments). */
type Register = (cmd: Command, ctx: CommandContext) => void;

/**
 * The commands, each declared once: what the root `--help` lists (name, arguments,
 * description) without loading any command's module, and where its options and action are
 * (loaded only for the command that runs, or whose help is asked for).
 */
export const COMMANDS: readonly {
  name: string;
  description: string;
  arguments: readonly (readonly [name: string, description: string])[];
  load: () => Promise<Register>;
}[] = [
  {
    name: "validate",
    description: "parse and check manifests offline, reporting every problem",
    arguments: [["[paths...]", "manifest files, directories of them, or - for standard input"]],
    load: async () => (await import("./validate.js")).registerValidate,
  },
  {
    name: "plan",
    description: "show what apply would change: reads Sift, writes nothing",
    arguments: [["[paths...]", "manifest files or directories"]],
    load: async () => (await import("./plan.js")).registerPlan,
  },
  {
    name: "apply",
    description: "make Sift match the manifests (or exactly a saved plan)",
    arguments: [["[paths...]", "manifest files or directories"]],
    load: async () => (await import("./apply.js")).registerApply,
  },
  {
    name: "export",
    description:
      "write Sift's runs as a manifest (CSV or YAML) that `plan` reads back as no changes",
    arguments: [],
    load: async () => (await import("./export.js")).registerExport,
  },
  {
    name: "doctor",
    description:
      "check a Sift deployment before the first sync: connection, the key's reach, the API's behaviour, the manifests against it; writes nothing (unless --write-probe)",
    arguments: [["[paths...]", "manifest files or directories to check against the organization"]],
    load: async () => (await import("./doctor.js")).registerDoctor,
  },
  {
    name: "emulator",
    description: "serve a local stand-in for the Sift REST API (for tests, demos and --local)",
    arguments: [],
    load: async () => (await import("./emulator.js")).registerEmulator,
  },
];
