// A `codex` stand-in for clients that spawn `$CODEX_PATH app-server` (codex-acp): runs the command of the config
// file named by argv[2] with the remaining arguments, passes stdio through, and appends every line both ways to
// the config's log as JSONL `{at, dir, msg}` (`dir`: "c2s", "s2c", "s2c(fallback)"). Written by
// `writeCodexWrapper`; standalone, so it has no imports beyond node.
import { spawn } from "node:child_process";
import fs from "node:fs";

interface TeeConfig {
  command: string[];
  log: string | null;
  /** Answers for requests the server does not know (`unknown variant`), by method. */
  fallbacks: Record<string, unknown>;
}

const config = JSON.parse(fs.readFileSync(process.argv[2] ?? "", "utf8")) as TeeConfig;
const out = config.log ? fs.openSync(config.log, "a") : null;
const [cmd, ...args] = config.command;
const child = spawn(cmd ?? "false", [...args, ...process.argv.slice(3)], {
  stdio: ["pipe", "pipe", config.log ? fs.openSync(`${config.log}.stderr`, "a") : "inherit"],
});
const childIn = child.stdin;
const childOut = child.stdout;
if (!childIn || !childOut) throw new Error("the server's stdio is not piped");
/** Requests whose method has a fallback answer, by id. */
const fallbackIds = new Map<unknown, string>();

function parse(line: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function record(dir: string, line: string): void {
  if (out === null || line === "") return;
  fs.writeSync(out, `${JSON.stringify({ at: Date.now(), dir, msg: parse(line) ?? { unparsed: line } })}\n`);
}

function lines(stream: NodeJS.ReadableStream, each: (line: string) => void, end: () => void): void {
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buf += chunk;
    let i = buf.indexOf("\n");
    while (i >= 0) {
      each(buf.slice(0, i));
      buf = buf.slice(i + 1);
      i = buf.indexOf("\n");
    }
  });
  stream.on("end", () => {
    if (buf) each(buf);
    end();
  });
}

lines(
  process.stdin,
  (line) => {
    record("c2s", line);
    const msg = parse(line);
    if (msg && typeof msg.method === "string" && "id" in msg && msg.method in config.fallbacks)
      fallbackIds.set(msg.id, msg.method);
    childIn.write(`${line}\n`);
  },
  () => childIn.end(),
);
childIn.on("error", () => {});
lines(
  childOut,
  (line) => {
    const msg = parse(line);
    const method = msg && "id" in msg && !("method" in msg) ? fallbackIds.get(msg.id) : undefined;
    const error = msg?.error as { message?: string } | undefined;
    if (msg && method && error?.message?.includes("unknown variant")) {
      fallbackIds.delete(msg.id);
      const reply = JSON.stringify({ id: msg.id, result: config.fallbacks[method] });
      record("s2c(fallback)", reply);
      process.stdout.write(`${reply}\n`);
      return;
    }
    record("s2c", line);
    process.stdout.write(`${line}\n`);
  },
  () => {},
);
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
  // Let stdout drain before leaving.
  setTimeout(() => process.exit(process.exitCode), 20);
});
for (const s of ["SIGTERM", "SIGINT"] as const) process.on(s, () => child.kill(s));
