/**
 * How counts read in every message, log and report: digits grouped in thousands (`1,347`)
 * whatever the machine's locale, and a noun that agrees with its count (`1 run`, `2 runs`).
 */

/** `1,347` */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** `1 run`, `1,347 runs`; `many` for the irregular ones (`plural(2, "retry", "retries")`). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
