import { protocol0166 } from "@codex-ts/app-server-client";
import { CODEX_0166_BIN, REFERENCE_CODEX_BIN, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * One client, three servers: the same `@codex-ts/app-server-client` calls against ours and the real codex 0.58.0
 * (the handshake, `thread/list`, `account/read`), and against ours and the native codex 0.166.0 speaking 0.166
 * (the handshake with capabilities, `permissionProfile/list`), each answer checked by the client against its
 * generation's schemas. A missing binary is skipped with a printed reason.
 */
const suite = useAppServerSuite();
const CLIENT = { name: "client-generations", version: "1.0" };
/** Anything the Rust binaries might try to reach beyond 127.0.0.1 goes to a closed port instead. */
const OFFLINE = {
  HTTPS_PROXY: "http://127.0.0.1:9",
  HTTP_PROXY: "http://127.0.0.1:9",
  NO_PROXY: "127.0.0.1,localhost",
};
/** A user agent without the OS and terminal details, which differ between the servers. */
const product = (userAgent: string) => userAgent.replace(/ \(.*\) .* \(/, " (");

describe("the typed client against ours, codex 0.58.0 and codex 0.166.0", () => {
  it("0.58: initialize, thread/list and account/read; 0.166: initialize and permissionProfile/list", {
    timeout: 120_000,
  }, async () => {
    const home = await suite.home();

    const ours = await suite.start({ home, initialize: false });
    const ourInit = await ours.initialize(CLIENT);
    expect(product(ourInit.userAgent)).toBe("codex_cli_rs/0.58.0 (client-generations; 1.0)");
    const ourThreads = await ours.request("thread/list", {});
    expect(ourThreads).toEqual({ data: [], nextCursor: null });
    const ourAccount = await ours.request("account/read", {});
    expect(ourAccount).toEqual({ account: null, requiresOpenaiAuth: false });
    expect(await ours.close()).toEqual({ code: 0, signal: null });

    if (!REFERENCE_CODEX_BIN) console.warn("client generations: codex 0.58.0 skipped, binary not found");
    else {
      const real = await suite.start({ bin: "reference", home, env: OFFLINE, initialize: false });
      expect(product((await real.initialize(CLIENT)).userAgent)).toBe(product(ourInit.userAgent));
      expect(await real.request("thread/list", {})).toEqual(ourThreads);
      expect(await real.request("account/read", {})).toEqual(ourAccount);
      expect(await real.close()).toEqual({ code: 0, signal: null });
    }

    // 0.166: ours picks the generation from the handshake's capabilities, as any 0.166 client's.
    const ours0166 = await suite.start({ home, protocol: protocol0166, initialize: false });
    const { userAgent: ourUserAgent0166, ...ourInit0166 } = await ours0166.initialize(CLIENT);
    // A 0.166 connection names its client as the originator, as 0.166.0 does (with this server's version).
    expect(product(ourUserAgent0166)).toBe("client-generations/0.58.0 (client-generations; 1.0)");
    expect(ourInit0166).toEqual({ codexHome: home, platformFamily: "unix", platformOs: "linux" });
    // The handshake declared capabilities ({}), which is what tells a server this client speaks 0.166.
    expect(ours0166.sent[0]).toMatchObject({ method: "initialize", params: { capabilities: {} } });
    expect(ours0166.sent[1]).toEqual({ method: "initialized" });
    const ourProfiles = await ours0166.request("permissionProfile/list", {});
    expect(ourProfiles.data.map((p) => p.id)).toEqual([":read-only", ":workspace", ":danger-full-access"]);
    expect(await ours0166.close()).toEqual({ code: 0, signal: null });

    if (!CODEX_0166_BIN) console.warn("client generations: codex 0.166.0 skipped, binary not found");
    else {
      const modern = await suite.start({
        bin: "0.166",
        home,
        env: OFFLINE,
        protocol: protocol0166,
        initialize: false,
      });
      const { userAgent, ...init } = await modern.initialize(CLIENT);
      // 0.166 names the client as the originator.
      expect(product(userAgent)).toBe("client-generations/0.166.0 (client-generations; 1.0)");
      expect(init).toEqual(ourInit0166);
      expect(modern.sent[0]).toMatchObject({ method: "initialize", params: { capabilities: {} } });
      expect(await modern.request("permissionProfile/list", {})).toEqual(ourProfiles);
      expect(await modern.close()).toEqual({ code: 0, signal: null });
    }
  });
});
