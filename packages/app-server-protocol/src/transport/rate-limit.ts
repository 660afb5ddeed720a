/** Failed handshakes allowed per address within the window before further attempts are refused unchecked. */
const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;
/** Addresses remembered at most (oldest forgotten first), so a scan of many addresses cannot grow the map. */
const MAX_TRACKED = 4096;

/**
 * Counts failed handshakes per client address in a sliding window: after MAX_FAILURES within WINDOW_MS the
 * address is refused without checking its credentials, which makes guessing a token by brute force slow.
 */
export class FailedHandshakes {
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  blocked(address: string): boolean {
    return this.live(address).length >= MAX_FAILURES;
  }

  record(address: string): void {
    const times = this.live(address);
    times.push(this.now());
    this.recent.delete(address);
    this.recent.set(address, times);
    if (this.recent.size > MAX_TRACKED) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }

  private live(address: string): number[] {
    const since = this.now() - WINDOW_MS;
    const times = (this.recent.get(address) ?? []).filter((t) => t > since);
    if (times.length === 0) this.recent.delete(address);
    else this.recent.set(address, times);
    return times;
  }
}
