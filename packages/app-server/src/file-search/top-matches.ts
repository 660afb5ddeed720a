/**
 * The best `limit` of a stream of items under an order (`compare(a, b) < 0` when `a` is better), kept as the
 * stream goes: memory stays at `limit` items however many are offered. Limits here are small (50), so a sorted
 * array with binary insertion beats a heap; most offers lose to the worst kept item and cost one comparison.
 */
export class TopMatches<T> {
  private readonly items: T[] = [];

  constructor(
    readonly limit: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  offer(item: T): void {
    if (this.limit <= 0) return;
    const full = this.items.length >= this.limit;
    if (full && this.compare(item, this.items[this.items.length - 1]!) >= 0) return;
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.items[mid]!, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
    if (this.items.length > this.limit) this.items.pop();
  }

  /** The kept items, best first. */
  sorted(): T[] {
    return [...this.items];
  }
}
