// A small client of `codex app-server`, the way an editor drives it: spawn the server, talk JSON-RPC lite over
// its stdio, print what comes back. Run with `pnpm demo` from the repository root.
import { type ChildProcessByStdio, execFileSync, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";

type Message = {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
};

class Client {
  private nextId = 0;
  private readonly waiting = new Map<number, (m: Message) => void>();
  private buffer = "";

  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      this.buffer += chunk;
      let nl = this.buffer.indexOf("\n");
      while (nl !== -1) {
        const msg = JSON.parse(this.buffer.slice(0, nl)) as Message;
        this.buffer = this.buffer.slice(nl + 1);
        nl = this.buffer.indexOf("\n");
        if (msg.id !== undefined && msg.method === undefined) this.waiting.get(msg.id)?.(msg);
        else console.log(`  ← notification ${msg.method}`);
      }
    });
  }

  async call(method: string, params?: unknown): Promise<Message> {
    const id = this.nextId++;
    const line = JSON.stringify(params === undefined ? { id, method } : { id, method, params });
    console.log(`→ ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`);
    const reply = await new Promise<Message>((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin.write(`${line}\n`);
    });
    const shown = JSON.stringify(reply);
    console.log(`← ${shown.length > 400 ? `${shown.slice(0, 397)}...` : shown}\n`);
    return reply;
  }

  /** Writes a raw line, to show that bad input does not break the server. */
  raw(line: string): void {
    console.log(`→ ${line}   (not JSON: no reply, logged on stderr)`);
    this.child.stdin.write(`${line}\n`);
  }

  close(): Promise<number | null> {
    return new Promise((resolve) => {
      this.child.once("exit", resolve);
      this.child.stdin.end();
    });
  }
}

async function makeProject(dir: string): Promise<void> {
  const files: Record<string, string> = {
    ".gitignore": "build/\n",
    "README.md": "# demo project\n",
    "src/main.ts": "console.log('hello');\n",
    "src/util/mainLoop.ts": "export const loop = 1;\n",
    "build/main.js": "ignored\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), text);
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=demo@example.com", "-c", "user.name=demo", ...args], {
      cwd: dir,
      stdio: "ignore",
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "initial");
  execFileSync("git", ["init", "-q", "--bare", `${dir}.git`]);
  git("remote", "add", "origin", `${dir}.git`);
  git("push", "-q", "origin", "main");
  await fs.appendFile(path.join(dir, "README.md"), "A line added after the last push.\n");
}

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = process.env.CODEX_CLI ?? path.resolve(here, "../../../apps/cli/dist/main.js");
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "codex-demo-"));
try {
  const codexHome = path.join(tmp, "home");
  const project = path.join(tmp, "project");
  await fs.mkdir(codexHome);
  await makeProject(project);
  console.log(`spawning: node ${path.relative(process.cwd(), cli)} app-server   (CODEX_HOME=${codexHome})\n`);
  const child = spawn(process.execPath, [cli, "app-server"], {
    env: { ...process.env, CODEX_HOME: codexHome },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const client = new Client(child);
  await client.call("getUserAgent");
  await client.call("initialize", { clientInfo: { name: "demo-client", title: "Demo", version: "1.0.0" } });
  await client.call("model/list", { limit: 2 });
  await client.call("fuzzyFileSearch", { query: "main", roots: [project], cancellationToken: null });
  await client.call("gitDiffToRemote", { cwd: project });
  client.raw("this is not json");
  await client.call("no/such/method");
  console.log(`server exited with code ${await client.close()}`);
} finally {
  await fs.rm(tmp, { recursive: true, force: true });
}
