import type { gen0166 } from "@codex-ts/app-server-protocol";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === "string" ? v : null);
const texts = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

const INSTALL_POLICIES = new Set(["NOT_AVAILABLE", "AVAILABLE", "INSTALLED_BY_DEFAULT"]);
const AUTH_POLICIES = new Set(["ON_INSTALL", "ON_USE"]);

/**
 * One plugin of the remote catalog (`ps/plugins/…` answers) as the `PluginSummary` 0.166.0 makes of it, with the
 * marketplace its id names (`<name>@<marketplace>`); undefined when it lacks what 0.166.0 requires (`id`, `name`,
 * `scope`, known `installation_policy` and `authentication_policy`, a `release` with `display_name`, `description`
 * and `interface`). A remote plugin is reported as not installed: installing it is `plugin/install`'s business.
 */
export function remotePluginSummary(
  plugin: unknown,
): { summary: gen0166.PluginSummary; marketplaceName: string } | undefined {
  if (!isObject(plugin) || !isObject(plugin.release)) return undefined;
  const { id, name, scope, installation_policy: install, authentication_policy: auth } = plugin;
  const release = plugin.release;
  if (typeof id !== "string" || typeof name !== "string" || typeof scope !== "string") return undefined;
  if (typeof install !== "string" || !INSTALL_POLICIES.has(install)) return undefined;
  if (typeof auth !== "string" || !AUTH_POLICIES.has(auth)) return undefined;
  if (typeof release.display_name !== "string" || typeof release.description !== "string") return undefined;
  if (!isObject(release.interface)) return undefined;
  const at = id.lastIndexOf("@");
  if (at <= 0 || at === id.length - 1) return undefined;
  const i = release.interface;
  const prompt = text(i.default_prompt);
  return {
    marketplaceName: id.slice(at + 1),
    summary: {
      id,
      remotePluginId: id,
      version: text(release.version),
      localVersion: null,
      name,
      shareContext: null,
      source: { type: "remote" },
      installed: false,
      installedAt: null,
      enabled: false,
      installPolicy: install as gen0166.PluginInstallPolicy,
      installPolicySource: null,
      mustShowInstallationInterstitial: null,
      authPolicy: auth as gen0166.PluginAuthPolicy,
      // The catalog says `ENABLED` for an available plugin; 0.166.0 calls it `AVAILABLE`.
      availability: plugin.availability === "DISABLED_BY_ADMIN" ? "DISABLED_BY_ADMIN" : "AVAILABLE",
      disabledReason: null,
      eligiblePlanTypes: null,
      interface: {
        displayName: release.display_name,
        shortDescription: text(i.short_description),
        longDescription: text(i.long_description),
        developerName: text(i.developer_name),
        category: text(i.category),
        capabilities: texts(i.capabilities),
        websiteUrl: text(i.website_url),
        privacyPolicyUrl: text(i.privacy_policy_url),
        termsOfServiceUrl: text(i.terms_of_service_url),
        defaultPrompt: prompt === null ? null : [prompt],
        brandColor: text(i.brand_color),
        composerIcon: null,
        composerIconUrl: text(i.composer_icon_url),
        logo: null,
        logoDark: null,
        logoUrl: text(i.logo_url),
        logoUrlDark: text(i.logo_url_dark),
        screenshots: [],
        screenshotUrls: texts(i.screenshot_urls),
      },
      keywords: texts(release.keywords),
    },
  };
}
