import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import { referenceEnv0166, type TestAppServer, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { NATIVE_WITH_ETC, NATIVE_WITH_ETC_REASON, nativeWithEtcCodex } from "./helpers/native-etc-codex.js";

/**
 * The requirements.toml keys beyond the allowed-value lists — `[allowed_permission_profiles]`,
 * `default_permissions`, `[features]`, `[experimental_network]` — as `configRequirements/read`,
 * `permissionProfile/list` and `experimentalFeature/list` show them, on this server (its /etc/codex moved with
 * `CODEX_TS_SYSTEM_CONFIG_DIR`) and on the native codex 0.166.0, which only reads /etc/codex: it runs in a private
 * user and mount namespace (`unshare -rm`) where a copy of /etc has the test's `codex` folder. Where `unshare` is
 * not permitted, ours runs alone against the answers 0.166.0 gave.
 */
const suite = useAppServerSuite();
const client = { name: "requirements-test", version: "1.0.0" };

const NATIVE = NATIVE_WITH_ETC;
if (!NATIVE) console.warn(`requirements keys: ${NATIVE_WITH_ETC_REASON}`);

const REQUIREMENTS = [
  'default_permissions = ":workspace"',
  "[allowed_permission_profiles]",
  '":workspace" = true',
  '":read-only" = true',
  "[features]",
  "memories = true",
  "plugins = false",
  "[experimental_network]",
  "enabled = false",
  "http_port = 3128",
  'allowed_domains = ["a.example", "b.example"]',
  'denied_domains = ["c.example"]',
  "allow_local_binding = true",
  'allow_unix_sockets = ["/run/agent.sock"]',
  "",
].join("\n");

async function start(impl: "ours" | "real"): Promise<TestAppServer<typeof protocol0166>> {
  const root = await suite.workdir("requirements-keys-");
  const etcCodex = path.join(root, "etc-codex");
  await mkdir(etcCodex);
  await writeFile(path.join(etcCodex, "requirements.toml"), REQUIREMENTS);
  const home = await suite.home({ modern: true, dir: path.join(root, "codex-home") });
  const c =
    impl === "ours"
      ? await suite.start({
          home,
          protocol: protocol0166,
          cwd: root,
          env: { CODEX_TS_SYSTEM_CONFIG_DIR: etcCodex },
          initialize: false,
        })
      : await suite.start({
          bin: { path: await nativeWithEtcCodex(root, etcCodex, NATIVE as string) },
          home,
          protocol: protocol0166,
          cwd: root,
          env: referenceEnv0166(home, root),
          initialize: false,
        });
  await c.initialize(client, { experimentalApi: true });
  return c;
}

async function observe(impl: "ours" | "real") {
  const c = await start(impl);
  const { requirements } = (await c.request("configRequirements/read", undefined)) as {
    requirements: Record<string, unknown> | null;
  };
  const picked = requirements && {
    allowedPermissionProfiles: requirements.allowedPermissionProfiles,
    defaultPermissions: requirements.defaultPermissions,
    featureRequirements: requirements.featureRequirements,
    network: requirements.network,
  };
  const profiles = await c.request("permissionProfile/list", {});
  const features = (await c.request("experimentalFeature/list", {})).data
    .filter((f) => f.name === "memories" || f.name === "plugins")
    .map((f) => ({ name: f.name, enabled: f.enabled, defaultEnabled: f.defaultEnabled }));
  await c.close();
  return { requirements: picked, profiles, features };
}

describe("requirements.toml: permission profiles, default permissions, features and network", () => {
  it("reports and applies them as codex 0.166.0 does", { timeout: 120_000 }, async () => {
    const ours = await observe("ours");
    // What 0.166.0 answered for this file (a profile the table does not name is not allowed).
    expect(ours).toEqual({
      requirements: {
        allowedPermissionProfiles: { ":read-only": true, ":workspace": true },
        defaultPermissions: ":workspace",
        featureRequirements: { memories: true, plugins: false },
        network: {
          enabled: false,
          httpPort: 3128,
          socksPort: null,
          allowUpstreamProxy: null,
          dangerouslyAllowNonLoopbackProxy: null,
          dangerouslyAllowAllUnixSockets: null,
          domains: { "a.example": "allow", "b.example": "allow", "c.example": "deny" },
          reviewDomains: null,
          managedAllowedDomainsOnly: null,
          allowedDomains: ["a.example", "b.example"],
          deniedDomains: ["c.example"],
          unixSockets: { "/run/agent.sock": "allow" },
          allowUnixSockets: ["/run/agent.sock"],
          allowLocalBinding: true,
        },
      },
      profiles: {
        data: [
          { id: ":read-only", description: null, allowed: true },
          { id: ":workspace", description: null, allowed: true },
          { id: ":danger-full-access", description: null, allowed: false },
        ],
        nextCursor: null,
      },
      // Pinned by the requirements whatever the defaults say.
      features: [
        { name: "memories", enabled: true, defaultEnabled: false },
        { name: "plugins", enabled: false, defaultEnabled: true },
      ],
    });
    if (NATIVE) expect(ours).toEqual(await observe("real"));
  });
});
