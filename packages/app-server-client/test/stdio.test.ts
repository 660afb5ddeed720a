import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AppServerClient, AppServerError } from "../src/index.js";

/**
 * The stdio transport against real processes: small node scripts standing in for a server, some misbehaving on
 * purpose (ignoring stdin EOF or SIGTERM, dying mid-request, not existing). The client against our server, codex
 * 0.58.0 and codex 0.166.0 is tested in packages/app-server (client-generations.e2e.test.ts).
 */
const here = path.dirname(fileURLToPath(import.meta.url));

const node = (script: string, stderr: "capture" | "ignore" = "ignore") =>
  AppServerClient.spawn({ command: process.execPath, args: ["-e", script], stderr });

/** Answers each request line: results split across writes, CRLF line ends, a log line on stderr. */
const SPLIT_WRITER = `
let buf = "";
process.stdin.on("data", (d) => {
  buf += d;
  for (let nl = buf.indexOf("\\n"); nl >= 0; nl = buf.indexOf("\\n")) {
    const m = JSON.parse(buf.slice(0, nl));
    buf = buf.slice(nl + 1);
    if (m.id === undefined) continue;
    process.stderr.write("got " + m.method + "\\n");
    const line = m.method === "fail"
      ? JSON.stringify({ error: { code: -32600, message: "nope" }, id: m.id })
      : JSON.stringify({ id: m.id, result: { userAgent: "é✓ " + m.method } });
    process.stdout.write(line.slice(0, 7));
    setTimeout(() => process.stdout.write(line.slice(7) + "\\r\\n"), 5);
  }
});
process.stdin.on("end", () => process.exit(0));
`;

describe("the stdio transport", () => {
  it("frames lines across chunks and CRLF, keeps stderr, and exits cleanly on close", async () => {
    const c = await node(SPLIT_WRITER, "capture");
    const init = await c.initialize({ name: "stdio-test", version: "0.1" });
    expect(init).toEqual({ userAgent: "é✓ initialize" });
    expect(await c.request("getUserAgent")).toEqual({ userAgent: "é✓ getUserAgent" });
    const err = await (c.request as (m: string) => Promise<unknown>)("fail").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppServerError);
    expect((err as AppServerError).toBody()).toEqual({ code: -32600, message: "nope" });
    expect(c.transport.stderrTail).toBe("got initialize\ngot getUserAgent\ngot fail\n");
    expect(c.transport.pid).toBeGreaterThan(0);
    expect(await c.close()).toEqual({ code: 0, signal: null });
    expect(c.transport.exited).toEqual({ code: 0, signal: null });
  });

  it("a server that ignores EOF is sent SIGTERM after the grace period; one that ignores SIGTERM, SIGKILL", async () => {
    const stubborn = await node("setInterval(() => {}, 1000)");
    expect(await stubborn.close({ graceMs: 200 })).toEqual({ code: null, signal: "SIGTERM" });
    const deaf = await node(
      "process.on('SIGTERM', () => {}); console.log('{\"method\":\"ready\"}'); setInterval(() => {}, 1000)",
    );
    await new Promise<void>((resolve) => deaf.onNotification(() => resolve()));
    const t0 = Date.now();
    expect(await deaf.close({ graceMs: 200 })).toEqual({ code: null, signal: "SIGKILL" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
  });

  it("writeRaw sends bytes as given (a line in pieces); pauseReading holds the server's output until resumed", async () => {
    // Echoes each line it reads as a notification, then says how many it has written so far.
    const c = await node(`
let buf = "";
let n = 0;
process.stdin.on("data", (d) => {
  buf += d;
  for (let nl = buf.indexOf("\\n"); nl >= 0; nl = buf.indexOf("\\n")) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    process.stdout.write(JSON.stringify({ method: "echo", params: { line, n: ++n } }) + "\\n");
  }
});
process.stdin.on("end", () => process.exit(0));
`);
    const echoes: unknown[] = [];
    c.onNotification((m) => echoes.push(m.params));
    await c.transport.writeRaw("one line ");
    await c.transport.writeRaw("in three ");
    await c.transport.writeRaw("writes\n");
    // Polled as long as the harness waits for any message (expect.poll's default second is less than a child Node's
    // start-up can take on a loaded machine).
    const WAIT = { timeout: 60_000 };
    await expect.poll(() => echoes, WAIT).toEqual([{ line: "one line in three writes", n: 1 }]);

    c.transport.pauseReading();
    await c.transport.writeRaw("held\n");
    // The server has answered (its pipe holds the line), but nothing is read while paused.
    await new Promise((r) => setTimeout(r, 300));
    expect(echoes).toHaveLength(1);
    c.transport.resumeReading();
    await expect.poll(() => echoes, WAIT).toHaveLength(2);
    expect(echoes[1]).toEqual({ line: "held", n: 2 });
    expect(await c.close()).toEqual({ code: 0, signal: null });
  });

  it("a request waiting when the server dies rejects; a command that does not exist rejects spawn", async () => {
    const c = await node("process.stdin.once('data', () => process.exit(3))");
    await expect(c.request("getUserAgent")).rejects.toMatchObject({ name: "ConnectionClosedError" });
    expect(await c.closed).toEqual({ code: 3, signal: null });
    await expect(AppServerClient.spawn({ command: "/nonexistent/codex-xyz" })).rejects.toThrow(
      /could not start \/nonexistent\/codex-xyz: .*ENOENT/,
    );
  });
});

describe("runtime neutrality", () => {
  it("only the stdio transport touches Node; the published types mention no Node API", () => {
    const src = path.resolve(here, "../src");
    for (const file of readdirSync(src)) {
      if (file === "stdio-transport.ts") continue;
      const text = readFileSync(path.join(src, file), "utf8");
      expect(text, file).not.toMatch(/from "node:|require\(|\bprocess\.|\bBuffer\b|NodeJS\./);
    }
    const dts = path.resolve(here, "../dist/index.d.ts");
    if (existsSync(dts)) expect(readFileSync(dts, "utf8")).not.toMatch(/from ['"]node:|NodeJS\.|\bBuffer\b/);
  });
});
