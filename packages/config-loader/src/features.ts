import type { ConfigToml, ProfileToml } from "./schema.js";

/** Feature flags Codex 0.58.0 knows, with their defaults. */
export const FEATURE_DEFAULTS: Readonly<Record<string, boolean>> = {
  unified_exec: false,
  shell_command_tool: false,
  rmcp_client: false,
  apply_patch_freeform: false,
  view_image_tool: true,
  web_search_request: false,
  experimental_sandbox_command_assessment: false,
  ghost_commit: true,
  enable_experimental_windows_sandbox: false,
};

type LegacyToggles = Partial<Record<keyof typeof FEATURE_DEFAULTS, boolean | undefined>>;

function definedOnly(toggles: LegacyToggles): Record<string, boolean> {
  return Object.fromEntries(Object.entries(toggles).filter(([, v]) => v !== undefined)) as Record<
    string,
    boolean
  >;
}

/**
 * Resolution order, lowest first: defaults → top-level legacy toggles → `[features]` → profile legacy toggles →
 * profile `[features]`. The top-level `experimental_sandbox_command_assessment` key is deliberately not a
 * toggle: in 0.58.0 it does nothing, only `[features]` enables the assessment. Unknown keys are kept.
 */
export function resolveFeatures(top: ConfigToml, profile: ProfileToml | undefined): Record<string, boolean> {
  const topLegacy: LegacyToggles = {
    unified_exec: top.experimental_use_unified_exec_tool,
    rmcp_client: top.experimental_use_rmcp_client,
    apply_patch_freeform: top.experimental_use_freeform_apply_patch,
    web_search_request: top.tools?.web_search ?? top.tools_web_search_request,
    view_image_tool: top.tools?.view_image,
  };
  const profileLegacy: LegacyToggles = {
    web_search_request: profile?.tools_web_search,
    view_image_tool: profile?.tools_view_image,
  };
  return {
    ...FEATURE_DEFAULTS,
    ...definedOnly(topLegacy),
    ...top.features,
    ...definedOnly(profileLegacy),
    ...profile?.features,
  };
}
