/** A plugin's identity, `<plugin>@<marketplace>` (0.166.0's `PluginId`): the key of `[plugins."<id>"]`. */
export interface PluginId {
  pluginName: string;
  marketplaceName: string;
}

/** One segment of a plugin id (a plugin or marketplace name): what 0.166.0 accepts, so it is safe as a directory name. */
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Why `segment` cannot be a plugin id's part; null when it can. */
export function pluginSegmentError(segment: string, what: string): string | null {
  if (segment.length === 0) return `invalid ${what}: must not be empty`;
  if (!SEGMENT.test(segment))
    return `invalid ${what}: only ASCII letters, digits, \`_\`, and \`-\` are allowed`;
  return null;
}

/** `name@marketplace` parsed; null when it is not one (no `@`, or a part that is not a plugin segment). */
export function parsePluginId(id: string): PluginId | null {
  const at = id.lastIndexOf("@");
  if (at <= 0 || at === id.length - 1) return null;
  const pluginName = id.slice(0, at);
  const marketplaceName = id.slice(at + 1);
  if (
    pluginSegmentError(pluginName, "plugin name") ||
    pluginSegmentError(marketplaceName, "marketplace name")
  )
    return null;
  return { pluginName, marketplaceName };
}

export const pluginIdKey = (id: PluginId): string => `${id.pluginName}@${id.marketplaceName}`;
