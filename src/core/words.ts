/**
 * How counts read in every message, log and report: digits grouped in thousands (`1,347`)
 * whatever the machine's locale, and a noun that agrees with its count (`1 run`, `2 runs`).
 */

/**
 * `1,347`, as `toLocaleString("en-US")` writes it. Integers are grouped here: a process's first
 * toLocaleString costs ~10 ms (ICU loading its number formats), which every command paid for
 * its first message.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString("en-US");
  const digits = String(Math.abs(n));
  let grouped = digits.slice(0, digits.length % 3 || 3);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${grouped}` : grouped;
}

/** `1 run`, `1,347 runs`; `many` for the irregular ones (`plural(2, "retry", "retries")`). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
