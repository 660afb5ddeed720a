import { FEATURE_DEFAULTS } from "../settings-0166/config-shape.js";

/**
 * 0.166.0's run-time feature enablement (`experimentalFeature/enablement/set`): process-wide, kept until the
 * process ends, for the flags 0.166.0 lets a client set (its `config/read` prints them whatever the config says);
 * other names are ignored. A flag the config sets keeps the config's value.
 */
export class RuntimeFeatures {
  private readonly values = new Map<string, boolean>();

  static readonly settable: ReadonlySet<string> = new Set(Object.keys(FEATURE_DEFAULTS));

  /** Applies the settable entries of `enablement`; returns them (sorted by name, as 0.166.0's map is). */
  set(enablement: Record<string, boolean>): Record<string, boolean> {
    const applied = Object.entries(enablement)
      .filter(([name]) => RuntimeFeatures.settable.has(name))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, on] of applied) this.values.set(name, on);
    return Object.fromEntries(applied);
  }

  get(name: string): boolean | undefined {
    return this.values.get(name);
  }
}

/** The process's run-time enablement: every connection of a listening server shares it, as 0.166.0's does. */
export const runtimeFeatures = new RuntimeFeatures();
