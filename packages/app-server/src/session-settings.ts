import { invalidRequest } from "@codex-ts/app-server-protocol";
import type { ApprovalPolicy, ConfigOverrides, SandboxMode } from "@codex-ts/config-loader";
import { object, optionalFlag, optionalString } from "./params.js";

/**
 * The per-conversation settings a request carries (v1 `NewConversationParams`, v2 `ThreadStartParams` /
 * `ThreadResumeParams`), already translated to the config loader's vocabulary.
 */
export interface SessionSettings {
  /** Typed overrides; they beat every config layer. */
  overrides: ConfigOverrides;
  /** The request's `config` map of dotted keys (a layer above the process `-c` overrides). */
  config: Record<string, unknown> | null;
}

/** Which protocol generation sent the request: v2 spells the enums in camelCase. */
export type Dialect = "v1" | "v2";

const APPROVAL: Record<Dialect, Record<string, ApprovalPolicy>> = {
  v1: { untrusted: "untrusted", "on-failure": "on-failure", "on-request": "on-request", never: "never" },
  v2: { unlessTrusted: "untrusted", onFailure: "on-failure", onRequest: "on-request", never: "never" },
};

const SANDBOX: Record<Dialect, Record<string, SandboxMode>> = {
  v1: {
    "read-only": "read-only",
    "workspace-write": "workspace-write",
    "danger-full-access": "danger-full-access",
  },
  v2: { readOnly: "read-only", workspaceWrite: "workspace-write", dangerFullAccess: "danger-full-access" },
};

/** Reads an optional enum field, failing with serde's wording for an unknown variant. */
function optionalVariant<T>(
  p: Record<string, unknown>,
  key: string,
  table: Record<string, T>,
): T | undefined {
  const raw = optionalString(p, key);
  if (raw === null) return undefined;
  const value = table[raw];
  if (value === undefined) {
    const expected = Object.keys(table)
      .map((v) => `\`${v}\``)
      .join(", ");
    throw invalidRequest(`Invalid request: unknown variant \`${raw}\`, expected one of ${expected}`);
  }
  return value;
}

function text(p: Record<string, unknown>, key: string): string | undefined {
  return optionalString(p, key) ?? undefined;
}

/** Decodes the settings fields of a request object (other fields are the caller's business). */
export function sessionSettings(p: Record<string, unknown>, dialect: Dialect): SessionSettings {
  const config = p.config === undefined || p.config === null ? null : object(p.config, "a map");
  const overrides: ConfigOverrides = {
    model: text(p, "model"),
    modelProvider: text(p, "modelProvider"),
    profile: dialect === "v1" ? text(p, "profile") : undefined,
    cwd: text(p, "cwd"),
    approvalPolicy: optionalVariant(p, "approvalPolicy", APPROVAL[dialect]),
    sandboxMode: optionalVariant(p, "sandbox", SANDBOX[dialect]),
    baseInstructions: text(p, "baseInstructions"),
    developerInstructions: text(p, "developerInstructions"),
    compactPrompt: dialect === "v1" ? text(p, "compactPrompt") : undefined,
    includeApplyPatchTool: dialect === "v1" ? optionalFlag(p, "includeApplyPatchTool") : undefined,
  };
  for (const key of Object.keys(overrides) as (keyof ConfigOverrides)[]) {
    if (overrides[key] === undefined) delete overrides[key];
  }
  return { overrides, config };
}

/** A v2 approval policy (`unlessTrusted`, …) as the core spells it (`untrusted`, …); v1 values pass through. */
export function coreApprovalPolicy(value: string): string {
  return APPROVAL.v2[value] ?? value;
}
