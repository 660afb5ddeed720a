import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareBundles } from "../src/export/compare.js";
import { BUNDLE_FILE, buildBundle } from "../src/export/json-schema.js";

/**
 * Differences accepted on purpose. Each entry must be provably without effect on the wire.
 * - v2/SandboxPolicy: 0.58.0's bundle references `#/definitions/v2/SandboxPolicy` (TurnStartParams.sandboxPolicy)
 *   but never defines it (a dangling $ref); its own TS export does define it. We define it so refs resolve.
 */
const ALLOWED: Record<string, string> = { "v2/SandboxPolicy": "extra" };

/** The real 0.58.0 binary: $CODEX_REFERENCE_BIN, this repo's install, or the machine's reference install. */
function findReferenceBinary(): string | undefined {
  const candidates = [
    process.env.CODEX_REFERENCE_BIN,
    join(__dirname, "..", "node_modules", ".bin", "codex"),
    "/tmp/codex058/node_modules/.bin/codex",
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

const bin = findReferenceBinary();
if (!bin) console.error("conformance: skipped, no @openai/codex@0.58.0 binary (set CODEX_REFERENCE_BIN)");

describe.skipIf(!bin)("conformance with codex 0.58.0 generate-json-schema", () => {
  // Made in a hook, not the describe body: a skipped suite's body still runs at collection, its hooks do not.
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "codex-ref-schema-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("matches the reference definition by definition", () => {
    // The binary makes scratch dirs of its own under TMPDIR: keep them inside ours.
    const env = { ...process.env, TMPDIR: dir };
    const version = execFileSync(bin as string, ["--version"], { encoding: "utf8", env });
    expect(version).toContain("0.58.0");
    execFileSync(bin as string, ["app-server", "generate-json-schema", "--out", dir], {
      stdio: "ignore",
      env,
    });
    const reference = JSON.parse(readFileSync(join(dir, BUNDLE_FILE), "utf8"));
    const { identical, total, diffs } = compareBundles(buildBundle(), reference);
    console.log(`schema: ${identical}/${total} definitions identical`);
    const unexpected = diffs.filter((d) => ALLOWED[d.name] !== d.problem);
    for (const d of unexpected) console.error(`schema diff ${d.name}: ${d.problem}`);
    expect(unexpected).toEqual([]);
    expect(identical).toBe(total);
    expect(total).toBe(225);
  }, 120_000);
});

describe("compareBundles", () => {
  it("detects a changed required set, enum value and nullability", () => {
    const ours = buildBundle();
    const tampered = JSON.parse(JSON.stringify(ours));
    tampered.definitions.TokenUsage.required.pop();
    tampered.definitions.ReviewDecision = { type: "string", enum: ["approved"] };
    tampered.definitions.v2.Thread.properties.preview = { type: ["string", "null"] };
    const { diffs } = compareBundles(tampered, ours);
    expect(diffs.map((d) => d.name).sort()).toEqual(["ReviewDecision", "TokenUsage", "v2/Thread"]);
  });
});
