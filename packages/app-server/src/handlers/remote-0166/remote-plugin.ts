import type { gen0166 } from "@codex-ts/app-server-protocol";

/**
 * One plugin of the remote catalog (`ps/plugins/…` answers) as a `PluginSummary`, with the marketplace its id names
 * (`<name>@<marketplace>`); undefined when it does not have the catalog's shape.
 */
export function remotePluginSummary(
  _plugin: unknown,
): { summary: gen0166.PluginSummary; marketplaceName: string } | undefined {
  return undefined;
}
