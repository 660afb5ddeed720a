import { statSync } from "node:fs";
import path from "node:path";
import { type AppServerClient, AppServerError, ConnectionClosedError } from "@codex-ts/app-server-client";
import { writeFileAtomic } from "@codex-ts/app-server-protocol";
import { type Config, findCodexHome, loadConfig, type SandboxMode } from "@codex-ts/config-loader";
import { DEFAULT_OSS_MODEL, ensureOssReady, OSS_PROVIDER_ID, OssSetupError } from "@codex-ts/core";
import type { GlobalOptions } from "../../global-options.js";
import { COMPAT_VERSION } from "../app-server-parts.js";
import { type ExecOutput, isEventMsg } from "./events.js";
import { HumanOutput, stylesFor } from "./human-output.js";
import { startInProcessServer } from "./in-process-server.js";
import { ExecInputError, insideGitRepo, resolveImages, resolvePrompt } from "./input.js";
import { JsonlOutput } from "./jsonl-output.js";
import { readOutputSchema } from "./output-schema.js";
import { PullProgressPrinter } from "./pull-progress.js";
import { openConversation, type ResumeTarget, turnInput } from "./session.js";

/** The exit status after Ctrl-C stopped the turn (128 + SIGINT, as shells report it). */
export const INTERRUPTED_EXIT = 130;
/** How long after the interrupt's answer the turn's last events may still arrive. */
const INTERRUPT_GRACE_MS = 1000;

export interface ExecOptions {
  prompt?: string | undefined;
  images: string[];
  model?: string | undefined;
  /** `--oss`: the local open-source provider, made ready (server up, model pulled) before the run. */
  oss: boolean;
  sandbox?: SandboxMode | undefined;
  fullAuto: boolean;
  dangerouslyBypassApprovalsAndSandbox: boolean;
  cd?: string | undefined;
  skipGitRepoCheck: boolean;
  addDir: string[];
  color: "always" | "never" | "auto";
  json: boolean;
  outputLastMessage?: string | undefined;
  /** `--output-schema FILE`: a JSON schema the turn's answer follows (read before anything starts). */
  outputSchema?: string | undefined;
  resume: ResumeTarget | null;
}

function existingDir(dir: string, what: string): string {
  const abs = path.resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {}
  if (!isDir) throw new ExecInputError(`${what} is not a directory: ${abs}`);
  return abs;
}

/**
 * `codex exec`: one headless turn on our own app server (in-process), then exit. Returns the exit status: 0 when
 * the turn completed, 1 when it failed (a model or stream error) or the input was refused, 130 after Ctrl-C.
 */
export async function runExec(o: ExecOptions, global: GlobalOptions): Promise<number> {
  try {
    return await execTurn(o, global);
  } catch (err) {
    if (err instanceof ExecInputError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    // The server refused a request (a broken rollout to resume, a setting it cannot apply) or went away.
    if (err instanceof AppServerError || err instanceof ConnectionClosedError) {
      process.stderr.write(`Error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

async function execTurn(o: ExecOptions, global: GlobalOptions): Promise<number> {
  const cwd = o.cd !== undefined ? existingDir(o.cd, "--cd") : process.cwd();
  // exec never asks: there is nobody to answer. --full-auto and the bypass flag only choose the sandbox.
  const sandbox: SandboxMode | undefined = o.dangerouslyBypassApprovalsAndSandbox
    ? "danger-full-access"
    : o.fullAuto
      ? "workspace-write"
      : o.sandbox;
  const codexHome = findCodexHome(process.env);
  const model = o.model ?? (o.oss ? DEFAULT_OSS_MODEL : undefined);
  const modelProvider = o.oss ? OSS_PROVIDER_ID : undefined;
  const config = await loadConfig({
    codexHome,
    env: process.env,
    cliOverrides: global.overrides,
    overrides: {
      cwd,
      approvalPolicy: "never",
      ...(global.profile !== undefined ? { profile: global.profile } : {}),
      ...(model !== undefined ? { model } : {}),
      ...(modelProvider !== undefined ? { modelProvider } : {}),
      ...(sandbox !== undefined ? { sandboxMode: sandbox } : {}),
    },
    cliVersion: COMPAT_VERSION,
  });
  if (o.oss) await prepareOss(config);
  if (!o.skipGitRepoCheck && !insideGitRepo(cwd)) {
    throw new ExecInputError("Not inside a trusted directory and --skip-git-repo-check was not specified.");
  }
  const extraRoots = o.addDir.map((d) => existingDir(d, "--add-dir"));
  const policy = config.sandboxPolicy;
  if (extraRoots.length > 0 && policy.mode !== "workspace-write") {
    process.stderr.write(
      `Warning: --add-dir has no effect with the ${policy.mode} sandbox (it adds writable roots to workspace-write).\n`,
    );
  }
  const images = resolveImages(o.images, process.cwd());
  const outputSchema =
    o.outputSchema !== undefined ? await readOutputSchema(o.outputSchema, process.cwd()) : undefined;
  const prompt = await resolvePrompt(o.prompt);

  const output: ExecOutput = o.json
    ? new JsonlOutput((line) => process.stdout.write(line))
    : new HumanOutput((text) => process.stderr.write(text), stylesFor(o.color));
  const client = await startInProcessServer({
    codexHome,
    processConfig: config,
    overrides: global.overrides,
    profile: global.profile,
    originator: process.env.CODEX_INTERNAL_ORIGINATOR_OVERRIDE || "codex_exec",
    apiKeyEnv: process.env,
    bareUserAgent: true,
    ...(outputSchema !== undefined ? { execOutputSchema: outputSchema } : {}),
  });
  const interrupt = new TurnInterrupt(client);
  let finished = false;
  try {
    await client.initialize({ name: "codex_exec", version: COMPAT_VERSION });
    const opened = await openConversation(
      client,
      {
        cwd,
        approvalPolicy: "never",
        ...(model !== undefined ? { model } : {}),
        ...(modelProvider !== undefined ? { modelProvider } : {}),
        ...(sandbox !== undefined ? { sandbox } : {}),
        ...(extraRoots.length > 0 && policy.mode === "workspace-write"
          ? {
              config: { "sandbox_workspace_write.writable_roots": [...policy.writable_roots, ...extraRoots] },
            }
          : {}),
      },
      o.resume,
    );
    output.sessionStarted({
      sessionId: opened.conversationId,
      prompt,
      model: opened.model,
      provider: config.modelProviderId,
      cwd,
      approval: "never",
      sandbox: sandboxSummary(policy, extraRoots),
      reasoningEffort: opened.reasoningEffort ?? config.modelReasoningEffort ?? null,
      reasoningSummary: config.modelReasoningSummary,
    });
    const ended = turnEnded(client, opened.conversationId, output);
    interrupt.arm(opened.conversationId);
    if (!interrupt.requested) {
      await client.request("sendUserMessage", {
        conversationId: opened.conversationId,
        items: turnInput(prompt, images),
      });
      // After Ctrl-C the interrupt's answer (or, with no turn left to abort, a short grace) also ends the wait.
      finished = await Promise.race([ended, interrupt.settled.then(() => true)]);
    }
  } finally {
    interrupt.disarm();
    // Ending the server's input stops it: running turns are aborted and the rollout is flushed before this returns.
    await client.close();
  }
  if (interrupt.requested) {
    output.interrupted();
    return INTERRUPTED_EXIT;
  }
  if (!finished) {
    process.stderr.write("Error: the app server stopped before the turn ended.\n");
    return 1;
  }
  const last = output.lastMessage();
  if (!o.json && last !== null) process.stdout.write(`${last}\n`);
  if (o.outputLastMessage !== undefined) await writeLastMessage(o.outputLastMessage, last);
  return output.failed() ? 1 : 0;
}

/**
 * `--oss`: the configured `oss` provider's server answers and has the model (pulled here when missing, its
 * progress on stderr), before anything else runs, as 0.58.0 does; otherwise `Error: OSS setup failed: …`, exit 1.
 */
async function prepareOss(config: Config): Promise<void> {
  const baseUrl = config.modelProvider.baseUrl;
  try {
    if (!baseUrl) throw new OssSetupError("the oss provider has no base_url");
    await ensureOssReady(
      baseUrl,
      config.model,
      new PullProgressPrinter((t) => process.stderr.write(t)).onEvent,
    );
  } catch (err) {
    if (err instanceof OssSetupError) throw new ExecInputError(`Error: OSS setup failed: ${err.message}`);
    throw err;
  }
}

/**
 * Feeds the conversation's events to the output; settles with true when its turn has completed or was aborted,
 * false when the server stopped first.
 */
function turnEnded(client: AppServerClient, conversationId: string, output: ExecOutput): Promise<boolean> {
  return new Promise((resolve) => {
    const stop = client.onNotification(({ method, params }) => {
      if (!method.startsWith("codex/event/")) return;
      const p = params as { conversationId?: unknown; msg?: unknown } | undefined;
      if (p?.conversationId !== conversationId || !isEventMsg(p.msg)) return;
      output.event(p.msg);
      if (p.msg.type === "task_complete" || p.msg.type === "turn_aborted") {
        stop();
        resolve(true);
      }
    });
    void client.closed.then(() => resolve(false));
  });
}

/**
 * Ctrl-C during `codex exec`: the first one interrupts the turn (the server aborts it and records the rollout, so
 * `codex exec resume` can continue it); a second one exits at once.
 */
class TurnInterrupt {
  requested = false;
  /** Settles a moment after the server answered the interrupt; never before Ctrl-C. */
  readonly settled: Promise<void>;
  private settle: () => void = () => {};
  private conversationId: string | null = null;
  private readonly onSignal = () => {
    if (this.requested) process.exit(INTERRUPTED_EXIT);
    this.requested = true;
    this.send();
  };

  constructor(private readonly client: AppServerClient) {
    this.settled = new Promise((resolve) => {
      this.settle = resolve;
    });
    process.on("SIGINT", this.onSignal);
  }

  arm(conversationId: string): void {
    this.conversationId = conversationId;
  }

  disarm(): void {
    process.off("SIGINT", this.onSignal);
  }

  private send(): void {
    if (this.conversationId === null) return;
    this.client
      .request("interruptConversation", { conversationId: this.conversationId })
      .catch(() => undefined)
      .then(() => setTimeout(this.settle, INTERRUPT_GRACE_MS));
  }
}

/** The sandbox as 0.58.0's header shows it: `workspace-write [workdir, /tmp, $TMPDIR, <roots>]`. */
function sandboxSummary(policy: Config["sandboxPolicy"], extraRoots: readonly string[]): string {
  if (policy.mode !== "workspace-write") return policy.mode;
  const roots = [
    "workdir",
    ...(policy.exclude_slash_tmp ? [] : ["/tmp"]),
    ...(policy.exclude_tmpdir_env_var ? [] : ["$TMPDIR"]),
    ...policy.writable_roots,
    ...extraRoots,
  ];
  return `workspace-write [${roots.join(", ")}]${policy.network_access ? " (network access enabled)" : ""}`;
}

async function writeLastMessage(file: string, last: string | null): Promise<void> {
  if (last === null) {
    process.stderr.write(`Warning: no last agent message; wrote empty content to ${file}\n`);
  }
  try {
    await writeFileAtomic(path.resolve(file), last ?? "");
  } catch (err) {
    process.stderr.write(`Failed to write last message file ${file}: ${(err as Error).message}\n`);
  }
}
