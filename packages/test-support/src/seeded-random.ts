/**
 * A seeded pseudo-random source (a linear congruential generator): the same seed gives the same choices, so a
 * randomized test's operations and model answers can be replayed (their interleavings with the server still vary).
 */
export interface SeededRandom {
  /** The next number in [0, 1). */
  next(): number;
  /** One of `xs`, chosen by the next number. */
  pick<T>(xs: readonly T[]): T;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T };
}
