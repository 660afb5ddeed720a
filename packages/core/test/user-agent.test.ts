import { describe, expect, it } from "vitest";
import { buildUserAgent, sanitizeUserAgent } from "../src/index.js";

const env = { TERM: "xterm" };

describe("buildUserAgent", () => {
  it("appends the client as Codex does", () => {
    const ua = buildUserAgent({
      originator: "codex_cli_rs",
      version: "0.58.0",
      client: { name: "c", version: "1" },
      env,
    });
    expect(ua).toMatch(/^codex_cli_rs\/0\.58\.0 \([^;]+; [^)]+\) xterm \(c; 1\)$/);
  });

  it("keeps a header-safe client name, tabs included", () => {
    const ua = buildUserAgent({
      originator: "o",
      version: "1",
      client: { name: "Zed\tx", version: "1" },
      env,
    });
    expect(ua.endsWith("(Zed\tx; 1)")).toBe(true);
  });

  it("replaces what a header cannot carry, like Codex's sanitize_user_agent", () => {
    const ua = (name: string, version = "1") =>
      buildUserAgent({ originator: "o", version: "1", client: { name, version }, env });
    // Codex 0.58.0 answers `(Zed _; 1__)` for this client; non-ASCII goes the same way here.
    expect(ua("Zed ✓", "1\u0007é").endsWith("(Zed _; 1__)")).toBe(true);
    expect(ua("a\u0000b").endsWith("(a_b; 1)")).toBe(true);
    expect(ua("Zed ✓").endsWith("(Zed _; 1)")).toBe(true);
    expect(ua("line\r\nbreak").endsWith("(line__break; 1)")).toBe(true);
    for (const name of ["Zed ✓", "\u0000", "😀"])
      expect(() => new Headers({ "user-agent": ua(name) })).not.toThrow();
  });

  it("falls back to the prefix, then the originator, when nothing else is a header", () => {
    expect(sanitizeUserAgent("", "prefix", "o")).toBe("prefix");
    expect(sanitizeUserAgent("", "", "o")).toBe("o");
  });
});
