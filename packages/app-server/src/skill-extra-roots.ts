/**
 * The skill directories clients added with `skills/extraRoots/set` (0.166): one list per server, as 0.166.0 keeps
 * one per process, replaced whole by each call and read by every `skills/list`. A listening server shares it
 * between its connections.
 */
export class SkillExtraRoots {
  private roots: readonly string[] = [];

  get(): readonly string[] {
    return this.roots;
  }

  /** Replaces the list (absolute, normalized paths; repeats kept once, in the order given). */
  set(roots: readonly string[]): void {
    this.roots = [...new Set(roots)];
  }
}
