import type { ModelProviderToml, WireApi } from "./schema.js";

/** A model provider with Codex's defaults filled in. */
export interface ModelProviderInfo {
  name: string;
  baseUrl?: string;
  envKey?: string;
  envKeyInstructions?: string;
  experimentalBearerToken?: string;
  wireApi: WireApi;
  queryParams: Record<string, string>;
  httpHeaders: Record<string, string>;
  envHttpHeaders: Record<string, string>;
  requestMaxRetries: number;
  streamMaxRetries: number;
  streamIdleTimeoutMs: number;
  requiresOpenaiAuth: boolean;
}

const DEFAULT_REQUEST_MAX_RETRIES = 4;
const DEFAULT_STREAM_MAX_RETRIES = 5;
const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
/** Codex caps both retry budgets so a typo cannot make a request retry forever. */
const MAX_RETRIES_CAP = 100;
const DEFAULT_OSS_PORT = 11434;

/** Resolves one `[model_providers.<id>]` table. A user provider without `wire_api` speaks Chat Completions. */
export function resolveProvider(raw: ModelProviderToml): ModelProviderInfo {
  return {
    name: raw.name,
    ...(raw.base_url !== undefined ? { baseUrl: raw.base_url } : {}),
    ...(raw.env_key !== undefined ? { envKey: raw.env_key } : {}),
    ...(raw.env_key_instructions !== undefined ? { envKeyInstructions: raw.env_key_instructions } : {}),
    ...(raw.experimental_bearer_token !== undefined
      ? { experimentalBearerToken: raw.experimental_bearer_token }
      : {}),
    wireApi: raw.wire_api ?? "chat",
    queryParams: { ...raw.query_params },
    httpHeaders: { ...raw.http_headers },
    envHttpHeaders: { ...raw.env_http_headers },
    requestMaxRetries: Math.min(raw.request_max_retries ?? DEFAULT_REQUEST_MAX_RETRIES, MAX_RETRIES_CAP),
    streamMaxRetries: Math.min(raw.stream_max_retries ?? DEFAULT_STREAM_MAX_RETRIES, MAX_RETRIES_CAP),
    streamIdleTimeoutMs: raw.stream_idle_timeout_ms ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    requiresOpenaiAuth: raw.requires_openai_auth ?? false,
  };
}

function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value : undefined;
}

/** The built-in `openai` and `oss` providers; their base URLs come from the environment as in Codex. */
export function builtInProviders(
  env: NodeJS.ProcessEnv,
  cliVersion: string,
): Record<string, ModelProviderInfo> {
  const openaiBase = nonBlank(env.OPENAI_BASE_URL);
  const ossBase =
    nonBlank(env.CODEX_OSS_BASE_URL) ??
    `http://localhost:${nonBlank(env.CODEX_OSS_PORT) ?? DEFAULT_OSS_PORT}/v1`;
  return {
    openai: {
      ...resolveProvider({ name: "OpenAI", wire_api: "responses", requires_openai_auth: true }),
      ...(openaiBase !== undefined ? { baseUrl: openaiBase } : {}),
      httpHeaders: { version: cliVersion },
      envHttpHeaders: { "OpenAI-Organization": "OPENAI_ORGANIZATION", "OpenAI-Project": "OPENAI_PROJECT" },
    },
    oss: resolveProvider({ name: "gpt-oss", base_url: ossBase, wire_api: "chat" }),
  };
}

/** Built-ins first; user providers are added only under ids the built-ins do not use ("insert if absent"). */
export function mergeProviders(
  builtIns: Record<string, ModelProviderInfo>,
  user: Record<string, ModelProviderToml> | undefined,
): Record<string, ModelProviderInfo> {
  const out: Record<string, ModelProviderInfo> = { ...builtIns };
  for (const [id, raw] of Object.entries(user ?? {})) {
    if (!Object.hasOwn(out, id)) out[id] = resolveProvider(raw);
  }
  return out;
}
