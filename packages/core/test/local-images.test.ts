import { execFileSync } from "node:child_process";
import { link, mkdir, open, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type MockModelServer, responses, startMockModelServer, tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IMAGE_MAX_BYTES, readLocalImage } from "../src/conversation/image-data-url.js";
import type { ConversationManager, CoreEvent, InputItem } from "../src/index.js";
import { mockConfig, testConversationManager } from "./helpers/mock-conversations.js";

/**
 * Local images (issue 14 rows 11, 18 and 5/6 for images): whatever path a client names in `localImage` (or the
 * model in `view_image`), the read is bounded — regular files only (a FIFO or a device never blocks), at most
 * IMAGE_MAX_BYTES, never CODEX_HOME's credential files — and a turn whose image cannot be attached goes on with
 * 0.58.0's placeholder text and ends with task_complete.
 */

/** A 1×1 PNG. */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108020000009077" +
    "53de0000000c4944415478da63f8ff3f000005fe02fea7d6a4e10000000049454e44ae426082",
  "hex",
);

let dir: string;
let home: string;
beforeEach(async () => {
  dir = await tempDir("codex-images-");
  home = join(dir, "home");
  await mkdir(home);
  await writeFile(join(home, "auth.json"), '{"OPENAI_API_KEY":"sk-secret-key"}');
  await writeFile(join(home, "config.toml"), 'experimental_bearer_token = "tok-secret"\n');
});

describe("readLocalImage", () => {
  it("takes PNG/JPEG/GIF/WebP by content, an image extension as 0.58.0 does, and refuses other types", async () => {
    await writeFile(join(dir, "pic.bin"), PNG);
    await writeFile(join(dir, "notes.png"), "not an image");
    await writeFile(join(dir, "notes.txt"), "text");
    await writeFile(join(dir, "noext"), "text");
    expect(await readLocalImage(join(dir, "pic.bin"))).toEqual({
      ok: true,
      url: `data:image/png;base64,${PNG.toString("base64")}`,
    });
    expect(await readLocalImage(join(dir, "notes.png"))).toMatchObject({
      ok: true,
      url: expect.stringMatching(/^data:image\/png;base64,/),
    });
    expect(await readLocalImage(join(dir, "notes.txt"))).toEqual({
      ok: false,
      reason: "unsupported MIME type `text/plain`",
      cause: "unsupported MIME type `text/plain`",
    });
    expect(await readLocalImage(join(dir, "noext"))).toEqual({
      ok: false,
      reason: "unsupported MIME type (unknown)",
      cause: "unsupported MIME type (unknown)",
    });
  });

  it("refuses what is not a regular file without blocking: a FIFO with no writer, /dev/zero, a directory, a missing path (within 1 s)", async () => {
    const fifo = join(dir, "pipe.png");
    execFileSync("mkfifo", [fifo]);
    const started = Date.now();
    expect(await readLocalImage(fifo)).toEqual({
      ok: false,
      reason: `failed to read image at ${fifo}: not a regular file (a FIFO)`,
      cause: `not a regular file (a FIFO)`,
    });
    expect(await readLocalImage("/dev/zero")).toEqual({
      ok: false,
      reason: "failed to read image at /dev/zero: not a regular file (a character device)",
      cause: "not a regular file (a character device)",
    });
    expect(await readLocalImage(dir)).toEqual({
      ok: false,
      reason: `failed to read image at ${dir}: Is a directory (os error 21)`,
      cause: `Is a directory (os error 21)`,
    });
    expect(await readLocalImage(join(dir, "missing.png"), { shownPath: "missing.png" })).toEqual({
      ok: false,
      reason: "failed to read image at missing.png: No such file or directory (os error 2)",
      cause: "No such file or directory (os error 2)",
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("refuses a file over IMAGE_MAX_BYTES from its size, without reading it (a sparse 2 GB file, within 1 s)", async () => {
    const big = join(dir, "huge.png");
    const handle = await open(big, "w");
    await handle.truncate(2 * 1024 ** 3);
    await handle.close();
    const started = Date.now();
    expect(await readLocalImage(big)).toEqual({
      ok: false,
      reason: `failed to read image at ${big}: file is too large (${2 * 1024 ** 3} bytes; the limit is ${IMAGE_MAX_BYTES} bytes)`,
      cause: `file is too large (${2 * 1024 ** 3} bytes; the limit is ${IMAGE_MAX_BYTES} bytes)`,
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("never reads CODEX_HOME's auth.json or config.toml, named directly, through a symlink or a hard link", async () => {
    await symlink(join(home, "auth.json"), join(dir, "cute.png"));
    await link(join(home, "config.toml"), join(dir, "cat.png"));
    for (const path of [join(home, "auth.json"), join(dir, "cute.png"), join(dir, "cat.png")]) {
      expect(await readLocalImage(path, { codexHome: home })).toEqual({
        ok: false,
        reason: `failed to read image at ${path}: refusing to read a Codex credentials file`,
        cause: `refusing to read a Codex credentials file`,
      });
    }
  });
});

describe("a turn with local images that cannot be attached (issue 14 row 11)", () => {
  let mock: MockModelServer;
  let manager: ConversationManager;
  beforeEach(async () => {
    mock = await startMockModelServer();
    manager = testConversationManager(home);
  });
  afterEach(async () => {
    await manager.shutdownAll();
    await mock.close();
  });

  it("goes on with 0.58.0's placeholder texts and ends with task_complete (within 5 s); no credential reaches the model", async () => {
    const fifo = join(dir, "pipe.png");
    execFileSync("mkfifo", [fifo]);
    await symlink(join(home, "auth.json"), join(dir, "cute.png"));
    await writeFile(join(dir, "ok.png"), PNG);
    mock.enqueue(responses.turn(responses.message("seen")));
    const cfg = await mockConfig({ home, baseUrl: mock.baseUrl, cwd: dir });
    const { conversation, rolloutPath } = await manager.newConversation(cfg);
    const events: CoreEvent[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    conversation.subscribe((e) => {
      events.push(e);
      if (e.msg.type === "task_complete") done();
    });
    const images = ["missing.png", "/dev/zero", fifo, "cute.png", "ok.png"];
    const items: InputItem[] = [
      { type: "text", data: { text: "look" } },
      ...images.map((path): InputItem => ({ type: "localImage", data: { path } })),
    ];
    const started = Date.now();
    await conversation.submit({ type: "user_input", items });
    await finished;
    expect(Date.now() - started).toBeLessThan(5_000);
    const userMessage = events.find((e) => e.msg.type === "user_message")!.msg as {
      message: string;
      images: string[];
    };
    expect(userMessage.message).toBe(
      [
        "look",
        "Codex could not read the local image at `missing.png`: failed to read image at missing.png: No such file or directory (os error 2)",
        "Codex could not read the local image at `/dev/zero`: failed to read image at /dev/zero: not a regular file (a character device)",
        `Codex could not read the local image at \`${fifo}\`: failed to read image at ${fifo}: not a regular file (a FIFO)`,
        "Codex could not read the local image at `cute.png`: failed to read image at cute.png: refusing to read a Codex credentials file",
      ].join(""),
    );
    expect(userMessage.images).toEqual([`data:image/png;base64,${PNG.toString("base64")}`]);
    expect(events.find((e) => e.msg.type === "task_complete")!.msg).toMatchObject({
      last_agent_message: "seen",
    });
    const sent = JSON.stringify(mock.requests[0]!.body);
    const secret = Buffer.from('{"OPENAI_API_KEY":"sk-secret-key"}').toString("base64");
    expect(sent).not.toContain(secret);
    expect(sent).not.toContain("sk-secret-key");
    expect(await readFile(rolloutPath, "utf8")).not.toContain(secret);
  }, 20_000);
});
