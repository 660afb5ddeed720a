/**
 * One queue per thread id for what moves, removes or reopens a thread's rollout (`thread/archive`, `thread/unarchive`,
 * `thread/delete`, the open of `thread/resume`): run one after another, a resume cannot reopen (and append to) a
 * rollout an archive is moving, nor an archive move one a resume has just opened; no file is left half moved or
 * brought back after its delete. Shared by every connection of a listening server (it lives on the registry).
 */
export class ThreadWriteLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` once every earlier work on thread `id` settled; resolves (or rejects) as `work` does. */
  async run<T>(id: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(id) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(work);
    const tail = mine.catch(() => undefined);
    this.tails.set(id, tail);
    try {
      return await mine;
    } finally {
      // The last in line forgets the queue (the map does not grow with every thread ever touched).
      if (this.tails.get(id) === tail) this.tails.delete(id);
    }
  }
}
