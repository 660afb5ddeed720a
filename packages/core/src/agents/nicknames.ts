/** Names given to spawned agents in turn (0.166.0 picks one per agent; these are this server's own). */
const NICKNAMES = [
  "Ada",
  "Babbage",
  "Curie",
  "Darwin",
  "Euler",
  "Faraday",
  "Gauss",
  "Hopper",
  "Kepler",
  "Lovelace",
  "Noether",
  "Turing",
];

/** The nickname of the `n`th agent of a root thread (0-based), numbered once the list is used up. */
export function nickname(n: number): string {
  const base = NICKNAMES[n % NICKNAMES.length] ?? "Agent";
  const round = Math.floor(n / NICKNAMES.length);
  return round === 0 ? base : `${base} ${round + 1}`;
}
