/** The emulator's seeded PRNG: reproducible scenarios (when a process is killed, which runs exist). */
export { seededRandom } from "../../../src/emulator/faults.js";

/** A whole number in [min, max], from `random`. */
export function pickInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
