import fs from "node:fs/promises";
import path from "node:path";
import { useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * Requests that found a thread loaded and finish after it was unloaded (archived meanwhile): a message queued while
 * the archive unloads the thread starts no turn, and nothing more is said of the thread after it was archived. (The
 * queue and goal drivers check that their thread is still loaded on every call: `changed`, `resumed`, `start`.)
 */
const suite = useAppServerSuite();
const CLIENT = { name: "unload-race-0166", version: "1.0" };

/** A PNG of about `bytes` bytes (its signature, then padding): reading it takes the server a while. */
const bigPng = (bytes: number) =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(bytes)]);

describe("a queue change racing an unload", () => {
  it("says nothing of the thread after it closed and starts no turn", { timeout: 120_000 }, async () => {
    const s = await startMockServer0166(suite, "ours", { client: CLIENT, prefix: "codex-0166-unload-race-" });
    const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5" });
    const image = path.join(s.root, "big.png");
    await fs.writeFile(image, bigPng(2 * 1024 * 1024));
    const from = s.c.messages.length;
    const requestsBefore = s.mock.requests.length;
    // Sent together: the add reads its image while the archive unloads the thread.
    const added = s.c.raw.call("add", "thread/queue/add", {
      threadId: thread.id,
      clientUserMessageId: "m1",
      input: [{ type: "localImage", path: image }],
    });
    const archived = s.c.raw.call("archive", "thread/archive", { threadId: thread.id });
    const answers = await Promise.all([added, archived]);
    await s.c.request("thread/list", {}); // a round trip: anything the requests caused is in by now
    expect(answers.map((a) => a.error ?? "ok")).toEqual(["ok", "ok"]);
    // Nothing about the thread after it was archived (and unloaded), and no model request: no turn started.
    const seen = s.c.messages.slice(from).map((m) => m.method ?? "answer");
    expect(seen.slice(seen.indexOf("thread/archived") + 1).filter((m) => m !== "answer")).toEqual([]);
    expect(s.mock.requests.length).toBe(requestsBefore);
    const listed = await s.c.raw.call("list", "thread/queue/list", { threadId: thread.id });
    expect(listed.error ?? null).not.toBeNull(); // archived: 0.166.0's refusal to queue for an archived thread
  });
});
