import { describe, expect, it } from "vitest";
import { patchFromShellCommand } from "../src/index.js";

const PATCH = "*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch";

describe("patchFromShellCommand (the shell calls 0.58.0 treats as apply_patch)", () => {
  it("recognises the direct and heredoc forms", () => {
    expect(patchFromShellCommand(["apply_patch", PATCH])).toBe(PATCH);
    expect(patchFromShellCommand(["applypatch", PATCH])).toBe(PATCH);
    expect(patchFromShellCommand(["apply_patch", "garbage"])).toBe("garbage");
    expect(patchFromShellCommand(["bash", "-lc", `apply_patch <<'EOF'\n${PATCH}\nEOF`])).toBe(PATCH);
    expect(patchFromShellCommand(["/bin/bash", "-lc", `apply_patch <<"EOF"\n${PATCH}\nEOF\n`])).toBe(PATCH);
    expect(patchFromShellCommand(["sh", "-c", `apply_patch <<PATCH\n${PATCH}\nPATCH`])).toBe(PATCH);
  });

  it("leaves other commands alone", () => {
    expect(patchFromShellCommand(["apply_patch"])).toBeNull();
    expect(patchFromShellCommand(["apply_patch", "a", "b"])).toBeNull();
    expect(patchFromShellCommand(["bash", "-lc", "echo apply_patch"])).toBeNull();
    expect(
      patchFromShellCommand(["bash", "-lc", `apply_patch <<'EOF'\n${PATCH}\nEOF\necho more`]),
    ).toBeNull();
    expect(patchFromShellCommand(["python", "-c", `apply_patch <<'EOF'\n${PATCH}\nEOF`])).toBeNull();
    expect(patchFromShellCommand([])).toBeNull();
  });
});
