import { describe, expect, it } from "vitest";
import {
  type Impl,
  initialize0166,
  type Request0166,
  SideBySide,
  settle,
  untyped,
} from "./helpers/side-by-side-0166.js";

/**
 * 0.166's experimental host-status methods through the real CLI, side by side with the real codex 0.166.0 when the
 * binary is here: `server/diagnostics` (this process, its request gauges), and `userVerification/status`,
 * `accountSession/list` and `memory/status` as answered without their providers.
 */
if (!SideBySide.available) console.warn(`server-info-0166: ${SideBySide.reason}`);
const impls: Impl[] = SideBySide.available ? ["ours", "real"] : ["ours"];

const requests: Request0166[] = [
  ["userVerification/status", {}],
  untyped("userVerification/status", { x: 1 }),
  ["accountSession/list", {}],
  ["accountSession/list", { refreshWorkspaceMetadata: true }],
  untyped("accountSession/list"),
  ["memory/status", {}],
  ["memory/status", { minConsolidatedThreads: 1 }],
  ["memory/status", { minConsolidatedThreads: 4096 }],
  ["memory/status", { minConsolidatedThreads: 0 }],
  ["memory/status", { minConsolidatedThreads: 4097 }],
  untyped("server/diagnostics"),
];

/** An answer as compared: ours adds the refused field's path to a decode error. */
const comparable = ({ data: _path, ...rest }: Record<string, unknown>) => rest;

describe("host status on a 0.166 connection", () => {
  it("reports this process and its requests, and answers the providerless methods as 0.166.0 does", async () => {
    const runs: unknown[] = [];
    for (const impl of impls) {
      const codexHome = await SideBySide.home();
      const c = await SideBySide.start(impl, codexHome, { home: true });
      await initialize0166(c);
      const diagnostics = await settle(c, ["server/diagnostics", {}]);
      // The process is the server itself, and the request being answered is one in flight. 0.166.0 lists a gauge
      // once it has been set (its queue's appears after some traffic); ours lists both from the start.
      expect(diagnostics).toEqual({
        process: { id: c.pid, residentMemoryBytes: expect.any(Number), physicalFootprintBytes: null },
        gauges: expect.arrayContaining([{ name: "app.requests.in_flight", value: 1 }]),
      });
      const gauges = diagnostics.gauges as { name: string; value: number }[];
      expect(gauges.filter((g) => g.name !== "app.requests.in_flight")).toEqual(
        impl === "ours" ? [{ name: "app.requests.queued", value: 0 }] : expect.any(Array),
      );
      expect(diagnostics.process).toMatchObject({
        residentMemoryBytes: expect.toSatisfy((n: number) => n > 1e6),
      });
      const steps: unknown[] = [];
      for (const request of requests) steps.push(comparable(await settle(c, request)));
      runs.push(steps);
      expect(await c.close()).toMatchObject({ code: 0 });

      // Without the experimental API each one is refused, after its params are read.
      const plain = await SideBySide.start(impl, codexHome, { home: true });
      await initialize0166(plain, {});
      const refused: unknown[] = [];
      for (const request of [
        ["server/diagnostics", {}],
        ["userVerification/status", {}],
        ["accountSession/list", {}],
        ["memory/status", {}],
        untyped("memory/status"),
      ] satisfies Request0166[]) {
        refused.push(comparable(await settle(plain, request)));
      }
      runs.push(refused);
      expect(await plain.close()).toMatchObject({ code: 0 });
    }
    const [ours, oursRefused, real, realRefused] = runs;
    expect(ours).toEqual([
      {
        credentialId: null,
        unavailableReason: "providerUnavailable",
        unavailableMessage: "User verification is not available in this build or account.",
      },
      { code: -32600, message: "Invalid request: unknown field `x`, there are no fields" },
      { activeSessionId: null, sessions: [] },
      { activeSessionId: null, sessions: [] },
      { code: -32600, message: "Invalid request: missing field `params`" },
      { v2ConsolidatedThreads: 0, v2Ready: true },
      { v2ConsolidatedThreads: 0, v2Ready: true },
      { v2ConsolidatedThreads: 0, v2Ready: true },
      { code: -32602, message: "minConsolidatedThreads must be between 1 and 4096" },
      { code: -32602, message: "minConsolidatedThreads must be between 1 and 4096" },
      { code: -32600, message: "Invalid request: missing field `params`" },
    ]);
    expect(oursRefused).toEqual([
      { code: -32600, message: "server/diagnostics requires experimentalApi capability" },
      { code: -32600, message: "userVerification/status requires experimentalApi capability" },
      { code: -32600, message: "accountSession/list requires experimentalApi capability" },
      { code: -32600, message: "memory/status requires experimentalApi capability" },
      { code: -32600, message: "Invalid request: missing field `params`" },
    ]);
    if (real) expect([ours, oursRefused]).toEqual([real, realRefused]);
  });
});
