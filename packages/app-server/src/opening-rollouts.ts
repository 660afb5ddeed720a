/**
 * Resumes in flight, by conversation id: a second resume of a rollout that is being opened waits for the first and
 * is given what it opened, instead of opening the rollout again (that left two conversations writing one file, one
 * of them never shut down). Both the v1/v2 resume handlers and 0.166's `thread/resume` use one per connection.
 */
export class OpeningRollouts<T> {
  private readonly opening = new Map<string, Promise<T>>();

  /** What the resume of `id` in flight opened, once it has; undefined when none is in flight or it failed. */
  async settled(id: string): Promise<T | undefined> {
    return this.opening.get(id)?.catch(() => undefined);
  }

  /** Runs `open` as the resume of `id`, known to `settled` until it settles. */
  async open(id: string, open: () => Promise<T>): Promise<T> {
    const opening = open();
    this.opening.set(id, opening);
    try {
      return await opening;
    } finally {
      this.opening.delete(id);
    }
  }
}
