import { afterEach, describe, expect, it } from "vitest";
import { chat, gate, type MockModelServer, responses, startMockModelServer } from "../src/index.js";

let mock: MockModelServer;
afterEach(async () => {
  await mock?.close();
});

async function post(path: string, body: unknown) {
  const res = await fetch(`${mock.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("mock model server", () => {
  it("streams scripted Responses SSE and records the request", async () => {
    mock = await startMockModelServer([responses.turn(responses.message("hello there"))]);
    expect(mock.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const r = await post("/responses", { model: "m", input: [] });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    expect(r.text).toContain("event: response.created\n");
    expect(r.text).toContain('"delta":"hello "');
    expect(r.text).toContain("event: response.completed\n");
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]).toMatchObject({ method: "POST", path: "/v1/responses", body: { model: "m" } });
    expect(mock.requests[0]!.headers.authorization).toBe("Bearer sk-test");
  });

  it("answers HTTP errors, cuts streams and falls back to a plain reply", async () => {
    mock = await startMockModelServer();
    mock.enqueue({
      kind: "http",
      status: 429,
      body: '{"error":"slow down"}',
      headers: { "retry-after": "1" },
    });
    const turn = responses.turn(responses.message("abcdef", "msg_x", 6));
    if (turn.kind !== "sse") throw new Error("expected an SSE turn");
    mock.enqueue({ ...turn, cutAfter: 3 });
    const limited = await post("/responses", {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    await expect(post("/responses", {})).rejects.toThrow();
    expect((await post("/responses", {})).text).toContain('"text":"ok"');
  });

  it("streams a message lazily, one frame per delta, and counts what it wrote", async () => {
    mock = await startMockModelServer([
      responses.streamedMessage(function* () {
        for (let i = 0; i < 3; i++) yield `part${i} `;
      }, "msg_s"),
    ]);
    const text = (await post("/responses", {})).text;
    const deltas = text.split("\n\n").filter((f) => f.includes("response.output_text.delta"));
    expect(deltas.map((f) => JSON.parse(f.slice(f.indexOf("data: ") + 6)).delta)).toEqual([
      "part0 ",
      "part1 ",
      "part2 ",
    ]);
    expect(text).toContain('"text":"part0 part1 part2 "');
    // created+added, three deltas, done, completed.
    expect(mock.written()).toBe(6);
    expect(mock.blocked()).toBe(false);
  });

  it("holds a stream after `holdAfter` events until its gate opens, or until the client cuts it", async () => {
    mock = await startMockModelServer();
    const turn = responses.turn(responses.message("abc", "msg_h", 3));
    if (turn.kind !== "sse") throw new Error("expected an SSE turn");
    const released = gate();
    mock.enqueue({ ...turn, holdAfter: 3, until: released.until }, { ...turn, holdAfter: 3 });
    /** Reads frames until `frames` have come (what a client has seen of a held stream). */
    const readFrames = async (reader: ReadableStreamDefaultReader<Uint8Array>, frames: number) => {
      let text = "";
      while (text.split("\n\n").length <= frames)
        text += new TextDecoder().decode((await reader.read()).value);
      return text;
    };
    const held = await fetch(`${mock.baseUrl}/responses`, { method: "POST", body: "{}" });
    const reader = held.body!.getReader();
    // created, added, the first delta; nothing more until the gate opens.
    expect(await readFrames(reader, 3)).not.toContain('"delta":"b"');
    released.open();
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += new TextDecoder().decode(r.value);
    expect(rest).toContain('"delta":"b"');
    expect(rest).toContain("event: response.completed");

    // Without a gate the stream holds until the client gives up; the mock goes on answering.
    const cut = new AbortController();
    const forever = await fetch(`${mock.baseUrl}/responses`, {
      method: "POST",
      body: "{}",
      signal: cut.signal,
    });
    await readFrames(forever.body!.getReader(), 3);
    cut.abort();
    expect((await post("/responses", {})).text).toContain('"text":"ok"');
  });

  it("streams Chat Completions chunks ending with [DONE]", async () => {
    mock = await startMockModelServer([
      chat.text("hi!"),
      chat.toolCall("shell", { command: ["ls"] }, "call_1"),
    ]);
    const text = (await post("/chat/completions", {})).text;
    expect(text.trim().split("\n\n").at(-1)).toBe("data: [DONE]");
    expect(text).toContain('"content":"hi"');
    const tool = (await post("/chat/completions", {})).text;
    expect(tool).toContain('"tool_calls"');
    expect(tool).toContain('"id":"call_1"');
  });
});
