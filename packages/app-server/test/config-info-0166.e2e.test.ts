import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Client0166,
  type Impl,
  initialize0166,
  type Request0166,
  SideBySide,
  settle,
  untyped,
} from "./helpers/side-by-side-0166.js";

/**
 * 0.166's config-information methods through the real CLI, side by side with the real codex 0.166.0 on the same
 * config when the binary is here (differences: app-server README, "Config information"). Nothing leaves
 * 127.0.0.1: the providers point at a closed local port and no turn runs.
 */
if (!SideBySide.available) console.warn(`config-info-0166: ${SideBySide.reason}`);
const impls: Impl[] = SideBySide.available ? ["ours", "real"] : ["ours"];

const PROVIDER = [
  'model_provider = "local"',
  "[model_providers.local]",
  'name = "local"',
  'base_url = "http://127.0.0.1:9/v1"',
  'wire_api = "responses"',
].join("\n");

/** A decode refusal's `data: {path}` is this server's addition (README, "0.166 connections"). */
const withoutData = (answer: Record<string, unknown>) => {
  if (!("code" in answer)) return answer;
  const { data: _path, ...rest } = answer;
  return rest;
};

type Feature = { name: string; enabled: boolean; defaultEnabled: boolean; stage: string };

describe("config information on a 0.166 connection", () => {
  it("answers requirements, provider capabilities and the feature flags (pages, config, run-time enablement)", async () => {
    const runs: unknown[] = [];
    for (const impl of impls) {
      // `[features]` goes into the offline tables' own `[features]` (plugins = false).
      const codexHome = await SideBySide.home(PROVIDER);
      const toml = path.join(codexHome, "config.toml");
      const text = await fs.readFile(toml, "utf8");
      await fs.writeFile(
        toml,
        text.replace("[features]\n", "[features]\nshell_tool = false\nundo = true\nmemories = false\n"),
      );
      const c = await SideBySide.start(impl, codexHome);
      await initialize0166(c);
      const steps: unknown[] = [];
      const ask = async (request: Request0166) => withoutData(await settle(c, request));
      for (const request of [
        untyped("configRequirements/read"),
        untyped("configRequirements/read", {}),
        ["modelProvider/capabilities/read", {}],
        untyped("modelProvider/capabilities/read"),
        ["experimentalFeature/list", { limit: 2 }],
        ["experimentalFeature/list", { limit: 0, cursor: "5" }],
        ["experimentalFeature/list", { cursor: "zz" }],
        ["experimentalFeature/list", { cursor: "-1" }],
        ["experimentalFeature/list", { threadId: "nope" }],
        ["experimentalFeature/list", { threadId: "00000000-0000-4000-8000-000000000001" }],
        ["experimentalFeature/enablement/set", { enablement: {} }],
        // Only the flags 0.166.0 lets a client set are applied (and answered, by name).
        [
          "experimentalFeature/enablement/set",
          { enablement: { remote_control: true, memories: true, bogus: true, apps: false } },
        ],
        untyped("experimentalFeature/enablement/set", {}),
      ] satisfies Request0166[])
        steps.push(await ask(request));
      // The whole table once, then its last page and the cursor past it.
      const all = (await ask(["experimentalFeature/list", {}])) as { data: Feature[]; nextCursor: unknown };
      const total = all.data.length;
      steps.push(
        all.nextCursor,
        total,
        all.data.filter((f) =>
          ["shell_tool", "undo", "memories", "remote_control", "plugins"].includes(f.name),
        ),
        await ask(["experimentalFeature/list", { cursor: String(total - 1), limit: 5 }]),
        await ask(["experimentalFeature/list", { cursor: String(total) }]),
        await ask(["experimentalFeature/list", { cursor: String(total + 1) }]),
      );
      // `config/read` shows the run-time flags where the config does not set them.
      const { config } = (await ask(["config/read", {}])) as {
        config: { features: Record<string, unknown> };
      };
      steps.push(
        Object.fromEntries(
          ["memories", "remote_control", "tool_suggest"].map((k) => [k, config.features[k]]),
        ),
      );
      runs.push({ steps, table: all.data });
      expect(await c.close()).toMatchObject({ code: 0 });
    }
    const { steps } = runs[0] as { steps: unknown[] };
    expect(steps.slice(0, 4)).toEqual([
      { supportsIndependentSpeedModes: true, requirements: null },
      { supportsIndependentSpeedModes: true, requirements: null },
      { imageGeneration: true, webSearch: true },
      { code: -32600, message: "Invalid request: missing field `params`" },
    ]);
    expect(steps.slice(10, 12)).toEqual([
      { enablement: {} },
      { enablement: { memories: true, remote_control: true } },
    ]);
    expect(steps[15]).toEqual(
      [
        // A removed flag ignores the config (`undo = true`); `remote_control` below takes the run-time enablement.
        { name: "undo", stage: "removed", enabled: false, defaultEnabled: false },
        { name: "shell_tool", stage: "stable", enabled: false, defaultEnabled: true },
        // The config's `memories = false` beats the run-time `true`.
        { name: "memories", stage: "stable", enabled: false, defaultEnabled: false },
        { name: "plugins", stage: "stable", enabled: false, defaultEnabled: true },
        { name: "remote_control", stage: "removed", enabled: true, defaultEnabled: false },
      ].map((f) => expect.objectContaining(f)),
    );
    expect(steps[19]).toEqual({ memories: false, remote_control: true, tool_suggest: true });
    if (runs.length === 2) expect(runs[0]).toEqual(runs[1]);
  });

  it("saves feedback as a ZIP at a new absolute path, with 0.166.0's report and attachments", async () => {
    const runs: unknown[] = [];
    for (const impl of impls) {
      const codexHome = await SideBySide.home(PROVIDER, { "w/extra.log": "extra lines\n" });
      const w = path.join(path.dirname(codexHome), "w");
      const c: Client0166 = await SideBySide.start(impl, codexHome);
      await initialize0166(c);
      const steps: unknown[] = [];
      const save = async (params: Record<string, unknown>) => {
        const answer = withoutData(await settle(c, untyped("feedback/save", params)));
        steps.push(
          JSON.parse(
            JSON.stringify(answer)
              .replaceAll(w, "W")
              .replace(/no-active-thread-[0-9a-f-]{36}/g, "no-active-thread-ID"),
          ),
        );
        return answer;
      };
      const first = await save({
        classification: "bug",
        savePath: path.join(w, "a.zip"),
        reason: "why",
        tags: { k: "v", classification: "overridden" },
        extraLogFiles: [path.join(w, "extra.log")],
      });
      await save({
        classification: "other",
        savePath: path.join(w, "b.zip"),
        threadId: "00000000-0000-4000-8000-000000000001",
      });
      await save({ classification: "bug", savePath: path.join(w, "a.zip") });
      await save({ classification: "bug", savePath: "rel.zip" });
      await save({
        classification: "bug",
        savePath: path.join(w, "c.zip"),
        extraLogFiles: [path.join(w, "missing.log")],
      });
      await save({ classification: "bug", savePath: path.join(w, "c.zip"), threadId: "zz" });
      for (const name of ["a.zip", "b.zip"]) {
        const zip = path.join(w, name);
        expect((await fs.stat(zip)).mode & 0o777).toBe(0o600);
        steps.push(zipContents(zip, String(first.threadId)));
      }
      // Only the two archives: no temp file left, nothing written for the refusals.
      steps.push((await fs.readdir(w)).sort());
      runs.push(steps);
      expect(await c.close()).toMatchObject({ code: 0 });
    }
    const steps = runs[0] as unknown[];
    expect(steps.slice(0, 6)).toEqual([
      { savedPath: "W/a.zip", threadId: "no-active-thread-ID", promptHash: null },
      { savedPath: "W/b.zip", threadId: "00000000-0000-4000-8000-000000000001", promptHash: null },
      { code: -32603, message: "failed to save feedback: feedback save path already exists" },
      { code: -32600, message: "feedback savePath must be an absolute host path" },
      {
        code: -32603,
        message:
          "failed to save feedback: failed to read selected attachment W/missing.log: No such file or directory (os error 2)",
      },
      {
        code: -32600,
        message:
          "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `z` at 1",
      },
    ]);
    expect(steps[6]).toMatchObject({
      names: ["report.json", "attachments/0000/extra.log", "manifest.json"],
      report: {
        message: "[Bug]: Codex session THREAD",
        exception: { values: [{ type: "[Bug]: Codex session THREAD", value: "why" }] },
        tags: { classification: "bug", k: "v", reason: "why", session_source: "vscode", thread_id: "THREAD" },
      },
      manifest: [{ entry: "attachments/0000/extra.log", filename: "extra.log", contentType: "text/plain" }],
      attachments: { "attachments/0000/extra.log": "extra lines\n" },
    });
    expect(steps[8]).toEqual(["a.zip", "b.zip", "extra.log"]);
    if (runs.length === 2) expect(runs[0]).toEqual(runs[1]);
  });
});

/**
 * A feedback ZIP's entries, read by Python's zipfile (an independent reader): names, `report.json` with its id, time
 * and version masked and `thread` as THREAD, `manifest.json`, and the attachments' texts.
 */
function zipContents(zip: string, thread: string): unknown {
  const dump = execFileSync(
    "python3",
    [
      "-c",
      "import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps([[i.filename, z.read(i).decode()] for i in z.infolist()]))",
      zip,
    ],
    { encoding: "utf8" },
  );
  const entries = JSON.parse(dump.replaceAll(thread, "THREAD")) as [string, string][];
  const byName = Object.fromEntries(entries);
  const report = JSON.parse(byName["report.json"] ?? "{}");
  expect(report.event_id).toMatch(/^[0-9a-f]{32}$/);
  expect(typeof report.timestamp).toBe("number");
  expect(typeof report.tags.cli_version).toBe("string");
  report.event_id = "ID";
  report.timestamp = "T";
  report.tags.cli_version = "V";
  return {
    names: entries.map(([name]) => name),
    report,
    manifest: JSON.parse(byName["manifest.json"] ?? "null"),
    attachments: Object.fromEntries(entries.filter(([name]) => name.startsWith("attachments/"))),
  };
}
