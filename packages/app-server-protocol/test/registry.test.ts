import { describe, expect, expectTypeOf, it, vi } from "vitest";
import {
  ClientNotification,
  ClientRequest,
  clientMethods,
  decodeRequest,
  generationOf,
  type NotificationParams,
  type Protocol058,
  type Protocol0166,
  type ProtocolDefinition,
  protocol058,
  protocol0166,
  type RequestParams,
  type RequestResult,
  requestMethods,
  ServerNotification,
  ServerRequest,
  unknownMethodMessage,
} from "../src/index.js";
import { methodOrder0166 } from "../src/registry/method-order-0166.js";

/** The 0.166 methods implemented so far, in 0.166.0's registry order (its unknown-variant error lists them so). */
const LISTED_0166 = [
  "initialize",
  "server/diagnostics",
  "userVerification/status",
  "thread/start",
  "thread/resume",
  "thread/fork",
  "thread/sample",
  "thread/archive",
  "thread/delete",
  "thread/unsubscribe",
  "thread/name/set",
  "thread/goal/set",
  "thread/goal/get",
  "thread/goal/clear",
  "thread/queue/add",
  "thread/queue/list",
  "thread/queue/update",
  "thread/queue/delete",
  "thread/queue/reorder",
  "thread/queue/start",
  "thread/metadata/update",
  "thread/attachment/add",
  "thread/attachment/list",
  "thread/attachmentOwner/list",
  "thread/attachment/remove",
  "thread/section/move",
  "thread/settings/update",
  "thread/memoryMode/set",
  "thread/memory/read",
  "memory/status",
  "memory/reset",
  "rollout/compress",
  "thread/unarchive",
  "thread/compact/start",
  "thread/shellCommand",
  "thread/backgroundTerminals/clean",
  "thread/backgroundTerminals/list",
  "thread/backgroundTerminals/terminate",
  "thread/revert",
  "thread/list",
  "project/list",
  "project/read",
  "project/create",
  "project/import",
  "project/update",
  "project/move",
  "project/delete",
  "threadSection/list",
  "threadSection/create",
  "threadSection/update",
  "threadSection/delete",
  "thread/search",
  "thread/searchOccurrences",
  "thread/loaded/list",
  "thread/read",
  "thread/readState/update",
  "thread/turns/list",
  "thread/items/list",
  "thread/items/read",
  "thread/inject_items",
  "skills/list",
  "skills/extraRoots/set",
  "hooks/list",
  "marketplace/add",
  "marketplace/remove",
  "marketplace/upgrade",
  "plugin/list",
  "plugin/installed",
  "plugin/reconcile",
  "plugin/read",
  "plugin/skill/read",
  "app/read",
  "app/list",
  "app/installed",
  "fs/readFile",
  "fs/writeFile",
  "fs/createDirectory",
  "fs/getMetadata",
  "fs/readDirectory",
  "fs/remove",
  "fs/copy",
  "fs/watch",
  "fs/unwatch",
  "skills/config/write",
  "plugin/install",
  "plugin/uninstall",
  "turn/start",
  "turn/settings/update",
  "turn/steer",
  "turn/interrupt",
  "thread/timeline/list",
  "review/start",
  "model/list",
  "modelProvider/capabilities/read",
  "experimentalFeature/list",
  "permissionProfile/list",
  "experimentalFeature/enablement/set",
  "collaborationMode/list",
  "environment/add",
  "environment/info",
  "environment/status",
  "mcpServer/oauth/login",
  "config/mcpServer/reload",
  "mcpServerStatus/list",
  "mcpServer/resource/read",
  "mcpServer/event/stream/start",
  "mcpServer/event/stream/stop",
  "mcpServer/tool/call",
  "account/login/start",
  "account/login/cancel",
  "accountSession/list",
  "account/logout",
  "account/rateLimits/read",
  "feedback/save",
  "command/exec",
  "command/exec/write",
  "command/exec/terminate",
  "command/exec/resize",
  "process/spawn",
  "process/writeStdin",
  "process/kill",
  "process/resizePty",
  "config/read",
  "externalAgentConfig/detect",
  "externalAgentConfig/import",
  "externalAgentConfig/import/recordHistory",
  "externalAgentConfig/import/readHistories",
  "config/value/write",
  "config/batchWrite",
  "configRequirements/read",
  "account/read",
  "fuzzyFileSearch",
  "fuzzyFileSearch/sessionStart",
  "fuzzyFileSearch/sessionUpdate",
  "fuzzyFileSearch/sessionStop",
];

/** The remaining methods (`protocol-0166-remote.ts`), put in registry order among the others. */
const REMOTE_0166 = [
  "userVerification/enroll",
  "userVerification/delete",
  "userVerification/verify",
  "userVerification/cancel",
  "account/usage/read",
  "account/rateLimitResetCredit/consume",
  "account/workspaceMessages/read",
  "account/sendAddCreditsNudgeEmail",
  "account/gatewayOAuth/read",
  "account/gatewayOAuth/cancel",
  "accountSession/switch",
  "plugin/search",
  "plugin/share/save",
  "plugin/share/updateTargets",
  "plugin/share/list",
  "plugin/share/checkout",
  "plugin/share/delete",
  "thread/increment_elicitation",
  "thread/decrement_elicitation",
  "thread/prediction/request",
  "thread/sample/cancel",
  "thread/approveGuardianDeniedAction",
  "mock/experimentalMethod",
];
const METHODS_0166 = [...LISTED_0166, ...REMOTE_0166].sort(
  (a, b) => methodOrder0166.indexOf(a) - methodOrder0166.indexOf(b),
);

describe("protocol058", () => {
  it("declares all 37 client requests of 0.58.0 in registry order, with their notifications and server requests", () => {
    expect(clientMethods.length).toBe(37);
    expect(clientMethods.slice(0, 3)).toEqual(["initialize", "thread/start", "thread/resume"]);
    expect(Object.keys(protocol058.notifications)).toHaveLength(14);
    expect(Object.keys(protocol058.serverRequests)).toEqual(["applyPatchApproval", "execCommandApproval"]);
    expect(Object.keys(protocol058.clientNotifications)).toEqual(["initialized"]);
  });

  it("derives the wire unions from the table", () => {
    const id = 1;
    expect(ClientRequest.safeParse({ id, method: "getUserAgent" }).success).toBe(true);
    expect(ClientRequest.safeParse({ id, method: "thread/list", params: { limit: 2 } }).success).toBe(true);
    expect(ClientRequest.safeParse({ id, method: "no/such", params: {} }).success).toBe(false);
    expect(
      ServerNotification.safeParse({ method: "authStatusChange", params: { authMethod: null } }).success,
    ).toBe(true);
    expect(ServerRequest.safeParse({ id, method: "execCommandApproval", params: {} }).success).toBe(false);
    expect(ClientNotification.parse({ method: "initialized" })).toEqual({ method: "initialized" });
  });

  it("types params, results and notifications per method", () => {
    expectTypeOf<RequestParams<Protocol058, "model/list">>().toEqualTypeOf<{
      cursor?: string | null | undefined;
      limit?: number | null | undefined;
    }>();
    expectTypeOf<RequestResult<Protocol058, "getUserAgent">>().toEqualTypeOf<{ userAgent: string }>();
    expectTypeOf<NotificationParams<Protocol058, "account/updated">>().toEqualTypeOf<{
      authMode?: "apikey" | "chatgpt" | null | undefined;
    }>();
    expectTypeOf<RequestResult<Protocol0166, "initialize">>().toHaveProperty("platformOs");
  });

  it("words an unknown method as serde does, listing the generation's methods", () => {
    expect(unknownMethodMessage(protocol058, "no/such")).toBe(
      `Invalid request: unknown variant \`no/such\`, expected one of ${clientMethods.map((m) => `\`${m}\``).join(", ")}`,
    );
    expect(unknownMethodMessage(protocol0166, "x")).toBe(
      `Invalid request: unknown variant \`x\`, expected one of ${METHODS_0166.map((m) => `\`${m}\``).join(", ")}`,
    );
  });
});

describe("generationOf", () => {
  it("is 0.166 exactly when initialize carries capabilities", () => {
    expect(generationOf({ clientInfo: { name: "n", version: "1" } })).toBe("0.58");
    expect(generationOf({ clientInfo: {}, capabilities: null })).toBe("0.58");
    expect(generationOf({ clientInfo: {}, capabilities: {} })).toBe("0.166");
    expect(generationOf({ capabilities: { experimentalApi: true } })).toBe("0.166");
    expect(generationOf([{}, {}])).toBe("0.58");
    expect(generationOf(undefined)).toBe("0.58");
  });

  it("lists the 0.166 methods implemented so far, and its one client notification", () => {
    expect(requestMethods(protocol0166)).toEqual(METHODS_0166);
    expect(Object.keys(protocol0166.clientNotifications)).toEqual(["initialized"]);
  });
});

describe("decodeRequest", () => {
  const decode = (method: string, params?: unknown) => decodeRequest(protocol058, { method, params });

  it("returns the decoded params (UUIDs canonical) and accepts methods without params", () => {
    expect(decode("initialize", { clientInfo: { name: "n", version: "1" } })).toEqual({
      ok: true,
      method: "initialize",
      params: { clientInfo: { name: "n", version: "1" } },
    });
    expect(decode("getUserAgent")).toMatchObject({ ok: true });
    expect(decode("getUserAgent", {})).toMatchObject({ ok: true });
    expect(
      decode("interruptConversation", { conversationId: "{01A22BC6-A033-7712-9FF2-E1355F32171C}" }),
    ).toEqual({
      ok: true,
      method: "interruptConversation",
      params: { conversationId: "01a22bc6-a033-7712-9ff2-e1355f32171c" },
    });
  });

  it("names the missing field and its path", () => {
    expect(decode("initialize", { clientInfo: { version: "1" } })).toEqual({
      ok: false,
      error: {
        code: -32600,
        message: "Invalid request: missing field `name`",
        data: { path: "params.clientInfo.name" },
      },
    });
    expect(decode("initialize")).toEqual({
      ok: false,
      error: { code: -32600, message: "Invalid request: missing field `params`" },
    });
  });

  it("words wrong types with the Rust type serde names", () => {
    const message = (method: string, params: unknown) => {
      const d = decode(method, params);
      return d.ok ? null : d.error.message;
    };
    expect(message("initialize", { clientInfo: { name: 5, version: "1" } })).toBe(
      "Invalid request: invalid type: integer `5`, expected a string",
    );
    expect(message("model/list", { limit: "ten" })).toBe(
      'Invalid request: invalid type: string "ten", expected u32',
    );
    expect(message("model/list", { limit: -1 })).toBe(
      "Invalid request: invalid value: integer `-1`, expected u32",
    );
    expect(message("listConversations", { pageSize: 1.5 })).toBe(
      "Invalid request: invalid type: floating point `1.5`, expected usize",
    );
    expect(message("getUserAgent", { x: 1 })).toBe("Invalid request: invalid type: map, expected unit");
    expect(message("initialize", 5)).toBe(
      "Invalid request: invalid type: integer `5`, expected struct InitializeParams",
    );
    expect(message("gitDiffToRemote", { cwd: 5 })).toBe(
      "Invalid request: invalid type: integer `5`, expected path string",
    );
    expect(message("cancelLoginChatGpt", { loginId: "abc" })).toBe(
      "Invalid request: UUID parsing failed: invalid length: expected length 32 for simple format, found 3",
    );
    expect(message("thread/start", { approvalPolicy: "sometimes" })).toBe(
      "Invalid request: unknown variant `sometimes`, expected one of `unlessTrusted`, `onFailure`, `onRequest`, `never`",
    );
    expect(message("thread/start", { sandbox: 5 })).toBe(
      "Invalid request: invalid type: integer `5`, expected string or map",
    );
  });

  it("reports the first problem in the order serde meets it: input order, missing fields last", () => {
    const d = decode("feedback/upload", { includeLogs: "no", classification: 5 });
    expect(!d.ok && d.error.message).toBe('Invalid request: invalid type: string "no", expected a boolean');
    const e = decode("feedback/upload", { classification: 5, includeLogs: "no" });
    expect(!e.ok && e.error.message).toBe("Invalid request: invalid type: integer `5`, expected a string");
    const f = decode("feedback/upload", { reason: "r" });
    expect(!f.ok && f.error.message).toBe("Invalid request: missing field `classification`");
  });

  it("words tagged enums as serde does: missing tag, unknown variant, variant index, the variant's own problem", () => {
    const turn = (sandboxPolicy: unknown) =>
      decode("sendUserTurn", {
        conversationId: "01a22bc6-a033-7712-9ff2-e1355f32171c",
        items: [{ type: "text", data: { text: "hi" } }],
        cwd: "/",
        approvalPolicy: "never",
        sandboxPolicy,
        model: "m",
        summary: "auto",
      });
    expect(turn({ mode: "read-only" })).toMatchObject({ ok: true });
    expect(turn({ type: "read-only" })).toMatchObject({
      error: {
        message: "Invalid request: missing field `mode`",
        data: { path: "params.sandboxPolicy.mode" },
      },
    });
    expect(turn({ mode: "open" })).toMatchObject({
      error: {
        message:
          "Invalid request: unknown variant `open`, expected one of `danger-full-access`, `read-only`, `workspace-write`",
      },
    });
    expect(turn({ mode: "workspace-write", network_access: "yes" })).toMatchObject({
      error: {
        message: 'Invalid request: invalid type: string "yes", expected a boolean',
        data: { path: "params.sandboxPolicy.network_access" },
      },
    });
    expect(turn(5)).toMatchObject({
      error: {
        message: "Invalid request: invalid type: integer `5`, expected internally tagged enum SandboxPolicy",
      },
    });
    const start = (type: unknown) => decode("account/login/start", { type });
    expect(start("bogus")).toMatchObject({
      error: { message: "Invalid request: unknown variant `bogus`, expected `apiKey` or `chatgpt`" },
    });
    expect(start(5)).toMatchObject({
      error: { message: "Invalid request: invalid value: integer `5`, expected variant index 0 <= i < 2" },
    });
    expect(start(0)).toMatchObject({ error: { message: "Invalid request: missing field `apiKey`" } });
    const item = (input: unknown) =>
      decode("sendUserMessage", { conversationId: "01a22bc6a0337712", items: [input] });
    expect(decode("getConversationSummary", { conversationId: "x" })).toMatchObject({
      error: {
        message:
          "Invalid request: data did not match any variant of untagged enum GetConversationSummaryParams",
      },
    });
    expect(item({ type: "text", data: {} })).toMatchObject({
      error: { message: "Invalid request: invalid length: expected length 32 for simple format, found 16" },
    });
  });

  it("reads a struct from a positional sequence, as serde does", () => {
    expect(decode("account/read", [])).toEqual({ ok: true, method: "account/read", params: {} });
    expect(decode("thread/list", ["c", 5, ["a"]])).toEqual({
      ok: true,
      method: "thread/list",
      params: { cursor: "c", limit: 5, modelProviders: ["a"] },
    });
    expect(decode("initialize", { clientInfo: ["n", null, "1"] })).toMatchObject({
      ok: true,
      params: { clientInfo: { name: "n", title: null, version: "1" } },
    });
    const message = (method: string, params: unknown) => {
      const d = decode(method, params);
      return d.ok ? null : d.error.message;
    };
    expect(message("thread/list", [null])).toBe(
      "Invalid request: invalid length 1, expected struct ThreadListParams with 3 elements",
    );
    expect(message("thread/list", ["c", 5, ["a"], 1])).toBe(
      "Invalid request: invalid length 4, expected 3 elements in sequence",
    );
    expect(message("fuzzyFileSearch", [null])).toBe("Invalid request: invalid type: null, expected a string");
    expect(message("account/login/start", ["x"])).toBe(
      "Invalid request: unknown variant `x`, expected `apiKey` or `chatgpt`",
    );
    expect(decode("account/login/start", ["apiKey", "k"])).toMatchObject({
      ok: true,
      params: { type: "apiKey", apiKey: "k" },
    });
  });
});

describe("protocol0166", () => {
  it("decodes 0.166's initialize and permissionProfile/list", () => {
    const decode = (method: string, params?: unknown) => decodeRequest(protocol0166, { method, params });
    expect(
      decode("initialize", {
        clientInfo: { name: "n", version: "1" },
        capabilities: { experimentalApi: true, optOutNotificationMethods: ["thread/started"] },
      }),
    ).toMatchObject({ ok: true });
    const message = (method: string, params: unknown) => {
      const d = decode(method, params);
      return d.ok ? null : d.error.message;
    };
    // The reference's own words for these (0.166.0 binary).
    expect(message("initialize", { clientInfo: { name: "n", version: "1" }, capabilities: 5 })).toBe(
      "Invalid request: invalid type: integer `5`, expected struct InitializeCapabilities",
    );
    expect(
      message("initialize", {
        clientInfo: { name: "n", version: "1" },
        capabilities: { experimentalApi: "x" },
      }),
    ).toBe('Invalid request: invalid type: string "x", expected a boolean');
    expect(message("permissionProfile/list", { limit: 4294967296 })).toBe(
      "Invalid request: invalid value: integer `4294967296`, expected u32",
    );
    expect(message("permissionProfile/list", [])).toBe(
      "Invalid request: invalid length 0, expected struct PermissionProfileListParams with 3 elements",
    );
    expect(message("permissionProfile/list", 5)).toBe(
      "Invalid request: invalid type: integer `5`, expected struct PermissionProfileListParams",
    );
    expect(message("newConversation", {})).toBe(
      `Invalid request: unknown variant \`newConversation\`, expected one of ${METHODS_0166.map((m) => `\`${m}\``).join(", ")}`,
    );
  });

  it("decodes the settings methods in 0.166.0's words (answers of the binary to the same requests)", () => {
    const message = (method: string, params: unknown) => {
      const d = decodeRequest(protocol0166, { method, params });
      return d.ok ? null : d.error.message.replace(/^Invalid request: /, "");
    };
    const cases: [string, unknown, string | null][] = [
      ["config/value/write", { keyPath: "model", mergeStrategy: "replace" }, "missing field `value`"],
      ["config/value/write", { keyPath: "model", value: 1 }, "missing field `mergeStrategy`"],
      [
        "config/value/write",
        { keyPath: "model", value: 1, mergeStrategy: "merge" },
        "unknown variant `merge`, expected `replace` or `upsert`",
      ],
      [
        "account/login/start",
        { type: "nope" },
        "unknown variant `nope`, expected one of `apiKey`, `chatgpt`, `chatgptDeviceCode`, `chatgptAuthTokens`, `amazonBedrock`, `amazonBedrockAccessKeys`",
      ],
      ["account/login/start", {}, "missing field `type`"],
      ["model/list", { includeHidden: "x" }, 'invalid type: string "x", expected a boolean'],
      ["account/logout", {}, null],
      ["account/logout", [], "invalid type: sequence, expected unit"],
      ["account/rateLimits/read", 5, "invalid type: integer `5`, expected struct GetAccountRateLimitsParams"],
      ["account/rateLimits/read", undefined, null],
      ["config/batchWrite", { edits: [{ keyPath: "a", value: 1 }] }, "missing field `mergeStrategy`"],
      ["config/batchWrite", { edits: {} }, "invalid type: map, expected a sequence"],
      ["config/read", { includeLayers: "yes" }, 'invalid type: string "yes", expected a boolean'],
      ["account/login/cancel", {}, "missing field `loginId`"],
      [
        "config/value/write",
        ["model", 1, "replace"],
        "invalid length 3, expected struct ConfigValueWriteParams with 5 elements",
      ],
      [
        "config/value/write",
        { keyPath: "model", value: null, mergeStrategy: "replace", expectedVersion: 5 },
        "invalid type: integer `5`, expected a string",
      ],
    ];
    for (const [method, params, expected] of cases)
      expect([method, message(method, params)]).toEqual([method, expected]);
  });
});

describe("decodeRequest, first parse of a schema and later ones", () => {
  it("decodes the same without zod's JIT (a schema's first parse) as with it (later parses)", async () => {
    // A fresh copy of the module: none of its schemas has been parsed yet.
    vi.resetModules();
    const fresh = await import("../src/index.js");
    const cases: [ProtocolDefinition, string, unknown][] = [
      [fresh.protocol058, "initialize", { clientInfo: { name: "n", title: null, version: "1" } }],
      [fresh.protocol058, "newConversation", { model: "m", sandbox: "sometimes", config: { a: { b: 1 } } }],
      [fresh.protocol058, "sendUserTurn", { conversationId: "x", items: [{ type: "text", data: 5 }] }],
      [fresh.protocol058, "listConversations", [10, "cursor"]],
      [fresh.protocol058, "model/list", { limit: -1 }],
      [fresh.protocol0166, "initialize", { clientInfo: { name: "n", version: "1" }, capabilities: 7 }],
      [
        fresh.protocol0166,
        "thread/start",
        { approvalPolicy: "on-request", cwd: "/x", config: { k: [1, "2"] } },
      ],
      [fresh.protocol0166, "turn/start", { threadId: "t", input: [{ type: "text", text: "hi", extra: 1 }] }],
      [fresh.protocol0166, "thread/list", { limit: 25, sortKey: "updated_at", modelProviders: ["a"] }],
      [fresh.protocol0166, "thread/list", { limit: "25" }],
    ];
    for (const [protocol, method, params] of cases) {
      const first = fresh.decodeRequest(protocol, { method, params });
      const later = fresh.decodeRequest(protocol, { method, params });
      expect(later, `${protocol.generation} ${method} ${JSON.stringify(params)}`).toEqual(first);
    }
  });
});
