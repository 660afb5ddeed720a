import { describe, expect, it } from "vitest";
import { FailedHandshakes, isLoopbackHost, parseListenUrl } from "../src/index.js";

describe("--listen URLs", () => {
  it("reads stdio, unix (default socket under CODEX_HOME, relative paths from cwd) and ws IP:PORT", () => {
    expect(parseListenUrl("stdio://", "/h")).toEqual({ kind: "stdio" });
    expect(parseListenUrl("unix://", "/h")).toEqual({
      kind: "unix",
      socketPath: "/h/app-server-control/app-server-control.sock",
    });
    expect(parseListenUrl("unix://run/s.sock", "/h", "/w")).toEqual({
      kind: "unix",
      socketPath: "/w/run/s.sock",
    });
    expect(parseListenUrl("unix:///tmp/s.sock", "/h")).toEqual({ kind: "unix", socketPath: "/tmp/s.sock" });
    expect(parseListenUrl("ws://127.0.0.1:0", "/h")).toEqual({ kind: "ws", host: "127.0.0.1", port: 0 });
    expect(parseListenUrl("ws://[::1]:4500", "/h")).toEqual({ kind: "ws", host: "::1", port: 4500 });
  });

  it("refuses anything else with later Codex's words", () => {
    for (const bad of ["ws://localhost:80", "ws://127.0.0.1", "ws://127.0.0.1:70000", "ws://[127.0.0.1]:1"])
      expect(() => parseListenUrl(bad, "/h")).toThrow(
        `invalid websocket --listen URL \`${bad}\`; expected \`ws://IP:PORT\``,
      );
    expect(() => parseListenUrl("http://x", "/h")).toThrow(
      "unsupported --listen URL `http://x`; expected `stdio://`, `unix://`, `unix://PATH`, or `ws://IP:PORT`",
    );
  });

  it("knows loopback hosts", () => {
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("127.1.2.3")).toBe(true);
    expect(isLoopbackHost("::1")).toBe(true);
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
    expect(isLoopbackHost("192.168.1.2")).toBe(false);
    expect(isLoopbackHost("::")).toBe(false);
  });
});

describe("FailedHandshakes", () => {
  it("blocks an address after ten failures within a minute, per address, and forgets them after it", () => {
    let now = 1_000_000;
    const f = new FailedHandshakes(() => now);
    for (let i = 0; i < 9; i++) f.record("a");
    expect(f.blocked("a")).toBe(false);
    f.record("a");
    expect(f.blocked("a")).toBe(true);
    expect(f.blocked("b")).toBe(false);
    now += 60_001;
    expect(f.blocked("a")).toBe(false);
  });
});
