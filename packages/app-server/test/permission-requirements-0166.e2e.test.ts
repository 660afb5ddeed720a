import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { errorOf, referenceEnv0166, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";
import { NATIVE_WITH_ETC, NATIVE_WITH_ETC_REASON, nativeWithEtcCodex } from "./helpers/native-etc-codex.js";

/**
 * The managed permission profiles of requirements.toml (`[allowed_permission_profiles]`, `default_permissions`)
 * applied to 0.166 threads: the profile a thread starts with, the fallback (and its warning) for one the list
 * refuses, the refusal of such a profile at `turn/start` / `thread/settings/update`, and the requirement files
 * 0.166.0 refuses. Run on this server (/etc/codex moved with `CODEX_TS_SYSTEM_CONFIG_DIR`) and on the native
 * codex 0.166.0 in a mount namespace where the test's folder is /etc/codex; without it, ours alone against what
 * 0.166.0 answered.
 */
const suite = useAppServerSuite();
const client = { name: "permission-requirements", version: "1.0.0" };
type Impl = "ours" | "real";
const IMPLS: Impl[] = NATIVE_WITH_ETC ? ["ours", "real"] : ["ours"];
if (!NATIVE_WITH_ETC) console.warn(`permission requirements: ${NATIVE_WITH_ETC_REASON}`);

const ALLOW_BOTH = '[allowed_permission_profiles]\n":read-only" = true\n":workspace" = true\n';
const fallback = (from: string, to: string) =>
  `Configured value for \`permission_profile\` is disallowed by requirements; falling back from \`${from}\` to required value \`${to}\`.`;

async function start(impl: Impl, requirements: string, toml = ""): Promise<MockServer0166> {
  const etc = await suite.workdir("perm-req-etc-");
  await writeFile(path.join(etc, "requirements.toml"), requirements);
  return startMockServer0166(suite, impl, { client, prefix: `perm-req-${impl}-`, toml, etcCodex: etc });
}

type Started = { thread: { id: string }; sandbox: { type: string }; activePermissionProfile: unknown };

/** What a thread started with: its sandbox kind and active profile (or the error answer). */
async function threadStart(s: MockServer0166, params: Record<string, unknown>) {
  try {
    const r = (await s.c.request("thread/start", params)) as Started;
    return { sandbox: r.sandbox.type, profile: r.activePermissionProfile };
  } catch (err) {
    return await errorOf(Promise.reject(err));
  }
}

/** The `configWarning` summaries so far (0.166.0 sends each before the thread/start answer). */
const configWarnings = (s: MockServer0166) =>
  s.c.messages
    .filter((m) => m.method === "configWarning")
    .map((m) => (m.params as { summary: string }).summary);

async function threadsRun(impl: Impl) {
  const s = await start(impl, `default_permissions = ":read-only"\n${ALLOW_BOTH}`);
  const answers = {
    plain: await threadStart(s, {}),
    refused: await threadStart(s, { permissions: ":danger-full-access" }),
    allowed: await threadStart(s, { permissions: ":workspace" }),
    unknown: await threadStart(s, { permissions: "nope" }),
    // The legacy sandbox is ignored under a managed profile list, without a word.
    legacySandbox: await threadStart(s, { sandbox: "danger-full-access" }),
    warnings: configWarnings(s),
  };
  const { thread } = (await s.c.request("thread/start", {})) as Started;
  const input = [{ type: "text" as const, text: "hi", text_elements: [] }];
  const turn = await errorOf(
    s.c.request("turn/start", { threadId: thread.id, input, permissions: ":danger-full-access" }),
  );
  const update = await errorOf(
    s.c.request("thread/settings/update", { threadId: thread.id, permissions: "nope" }),
  );
  const allowedUpdate = await s.c.request("thread/settings/update", {
    threadId: thread.id,
    permissions: ":workspace",
  });
  return { ...answers, turn, update, allowedUpdate };
}

async function configuredRun(impl: Impl) {
  // Without `default_permissions` a list allowing both `:workspace` and `:read-only` defaults to `:workspace`; the
  // user's own `default_permissions` is used when the list allows it, and falls back when not.
  const both = await start(impl, ALLOW_BOTH);
  const implicit = await threadStart(both, {});
  const user = await start(
    impl,
    ALLOW_BOTH,
    'default_permissions = ":read-only"\nsandbox_mode = "danger-full-access"\n',
  );
  const userAllowed = await threadStart(user, {});
  const refused = await start(
    impl,
    `default_permissions = ":read-only"\n${ALLOW_BOTH}`,
    'default_permissions = ":danger-full-access"\n',
  );
  const userRefused = await threadStart(refused, {});
  return { implicit, userAllowed, userRefused, warnings: configWarnings(refused) };
}

describe("managed permission profiles on 0.166 threads", () => {
  it("start threads on the allowed profile and fall back to the managed default, as 0.166.0 does", {
    timeout: 120_000,
  }, async () => {
    const runs = await Promise.all(IMPLS.map((impl) => threadsRun(impl)));
    const readOnly = { sandbox: "readOnly", profile: { id: ":read-only", extends: null } };
    expect(runs[0]).toEqual({
      plain: readOnly,
      refused: readOnly,
      allowed: { sandbox: "workspaceWrite", profile: { id: ":workspace", extends: null } },
      unknown: readOnly,
      legacySandbox: readOnly,
      warnings: [fallback(":danger-full-access", ":read-only"), fallback("nope", ":read-only")],
      turn: {
        code: -32600,
        message: `invalid thread settings override: ${fallback(":danger-full-access", ":read-only")}`,
      },
      update: {
        code: -32600,
        message: `invalid thread settings override: ${fallback("nope", ":read-only")}`,
      },
      allowedUpdate: {},
    });
    if (runs[1]) expect(runs[0]).toEqual(runs[1]);
  });

  it("use the config's default_permissions when the list allows it, as 0.166.0 does", {
    timeout: 120_000,
  }, async () => {
    const runs = await Promise.all(IMPLS.map((impl) => configuredRun(impl)));
    expect(runs[0]).toEqual({
      implicit: { sandbox: "workspaceWrite", profile: { id: ":workspace", extends: null } },
      userAllowed: { sandbox: "readOnly", profile: { id: ":read-only", extends: null } },
      userRefused: { sandbox: "readOnly", profile: { id: ":read-only", extends: null } },
      warnings: [fallback(":danger-full-access", ":read-only")],
    });
    if (runs[1]) expect(runs[0]).toEqual(runs[1]);
  });

  it("refuse the requirement files 0.166.0 refuses, in its words", { timeout: 120_000 }, async () => {
    const cases: [requirements: string, message: string][] = [
      [
        'default_permissions = ":workspace"\n',
        "requirements.toml default_permissions requires allowed_permission_profiles",
      ],
      [
        '[allowed_permission_profiles]\n":workspace" = true\n',
        "requirements.toml default_permissions must be set unless allowed_permission_profiles allows both `:workspace` and `:read-only`",
      ],
      [
        `default_permissions = ":danger-full-access"\n${ALLOW_BOTH}`,
        "requirements.toml default_permissions `:danger-full-access` must be allowed by allowed_permission_profiles",
      ],
      [
        `default_permissions = ":read-only"\n${ALLOW_BOTH}mine = true\n`,
        "requirements.toml allowed_permission_profiles refers to undefined profile `mine`",
      ],
    ];
    for (const [requirements, message] of cases) {
      // 0.166.0 refuses to start (`Error: <message>` on stderr); this server answers each thread with it.
      const s = await start("ours", requirements);
      expect(await errorOf(s.c.request("thread/start", {}))).toEqual({
        code: -32600,
        message: `failed to load configuration: ${message}`,
      });
      if (NATIVE_WITH_ETC) {
        const root = await suite.workdir("perm-req-native-");
        const etc = path.join(root, "etc");
        await suite.home({ modern: true, dir: path.join(root, "codex-home") });
        await mkdir(etc);
        await writeFile(path.join(etc, "requirements.toml"), requirements);
        const wrapper = await nativeWithEtcCodex(root, etc, NATIVE_WITH_ETC);
        const run = spawnSync(wrapper, ["app-server"], {
          input: "",
          env: referenceEnv0166(path.join(root, "codex-home"), root),
          encoding: "utf8",
        });
        expect(run.stderr.split("\n").find((line) => line.startsWith("Error: "))).toBe(`Error: ${message}`);
      }
    }
  });
});
