import { z } from "zod";

/**
 * The requirements.toml keys of 0.166.0 beyond the allowed-value lists: the permission profiles a client may pick
 * (`[allowed_permission_profiles]`, id → allowed), the profile threads get when nothing names one
 * (`default_permissions`), features pinned on or off (`[features]`), and the managed network policy
 * (`[experimental_network]`), reported by `configRequirements/read` as 0.166.0 reports them.
 */
export const extraRequirementsSchema = z.looseObject({
  allowed_permission_profiles: z.record(z.string(), z.boolean()).optional(),
  default_permissions: z.string().optional(),
  features: z.record(z.string(), z.boolean()).optional(),
  experimental_network: z
    .looseObject({
      enabled: z.boolean().optional(),
      http_port: z.number().int().min(0).max(65535).optional(),
      socks_port: z.number().int().min(0).max(65535).optional(),
      allow_upstream_proxy: z.boolean().optional(),
      dangerously_allow_non_loopback_proxy: z.boolean().optional(),
      dangerously_allow_all_unix_sockets: z.boolean().optional(),
      allowed_domains: z.array(z.string()).optional(),
      denied_domains: z.array(z.string()).optional(),
      managed_allowed_domains_only: z.boolean().optional(),
      allow_unix_sockets: z.array(z.string()).optional(),
      allow_local_binding: z.boolean().optional(),
    })
    .optional(),
});

type NetworkTable = NonNullable<z.infer<typeof extraRequirementsSchema>["experimental_network"]>;

/** 0.166's `NetworkRequirements` (camelCase, every field present; null: not set). */
export interface NetworkRequirements {
  enabled: boolean | null;
  httpPort: number | null;
  socksPort: number | null;
  allowUpstreamProxy: boolean | null;
  dangerouslyAllowNonLoopbackProxy: boolean | null;
  dangerouslyAllowAllUnixSockets: boolean | null;
  /** Every domain named, with its verdict (0.166.0 derives it from the allow and deny lists). */
  domains: Record<string, "allow" | "deny"> | null;
  reviewDomains: string[] | null;
  managedAllowedDomainsOnly: boolean | null;
  allowedDomains: string[] | null;
  deniedDomains: string[] | null;
  unixSockets: Record<string, "allow"> | null;
  allowUnixSockets: string[] | null;
  allowLocalBinding: boolean | null;
}

/** `[experimental_network]` as 0.166.0's `configRequirements/read` reports it (checked against its answer). */
export function networkRequirements(t: NetworkTable): NetworkRequirements {
  const domains: Record<string, "allow" | "deny"> = {};
  for (const d of t.allowed_domains ?? []) domains[d] = "allow";
  for (const d of t.denied_domains ?? []) domains[d] = "deny";
  const sockets: Record<string, "allow"> = {};
  for (const s of t.allow_unix_sockets ?? []) sockets[s] = "allow";
  return {
    enabled: t.enabled ?? null,
    httpPort: t.http_port ?? null,
    socksPort: t.socks_port ?? null,
    allowUpstreamProxy: t.allow_upstream_proxy ?? null,
    dangerouslyAllowNonLoopbackProxy: t.dangerously_allow_non_loopback_proxy ?? null,
    dangerouslyAllowAllUnixSockets: t.dangerously_allow_all_unix_sockets ?? null,
    domains: Object.keys(domains).length > 0 ? domains : null,
    reviewDomains: null,
    managedAllowedDomainsOnly: t.managed_allowed_domains_only ?? null,
    allowedDomains: t.allowed_domains ?? null,
    deniedDomains: t.denied_domains ?? null,
    unixSockets: Object.keys(sockets).length > 0 ? sockets : null,
    allowUnixSockets: t.allow_unix_sockets ?? null,
    allowLocalBinding: t.allow_local_binding ?? null,
  };
}
