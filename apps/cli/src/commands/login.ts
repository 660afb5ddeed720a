import { findCodexHome, loadConfig } from "@codex-ts/config-loader";
import type { AuthManager } from "@codex-ts/core";
import { type Command, CommanderError, Option } from "commander";
import { globalOptions } from "../global-options.js";
import { COMPAT_VERSION } from "./app-server-parts.js";
import { cliOriginator, createAuthManager } from "./auth-manager.js";
import { readStdin } from "./exec/input.js";

/** Longest API key read from stdin (real keys are ~200 characters). */
const MAX_API_KEY_BYTES = 64 * 1024;

/**
 * An API key as `codex login status` shows it, as 0.58.0 does: the first 8 and last 5 characters around `***`, or
 * only `***` when the key is too short for that to hide anything.
 */
export function maskApiKey(key: string): string {
  if (key.length <= 13) return "***";
  return `${key.slice(0, 8)}***${key.slice(-5)}`;
}

function say(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Ends the command with `code` (after its message was said). */
function exit(code: number): void {
  if (code !== 0) throw new CommanderError(code, "codex.login", "");
}

/** The account manager per the config (`cli_auth_credentials_store`, issuer, forced login method). */
async function authManager(command: Command, issuer?: string): Promise<AuthManager> {
  const { overrides, profile } = globalOptions(command);
  const codexHome = findCodexHome(process.env);
  const config = await loadConfig({
    codexHome,
    env: process.env,
    cliOverrides: overrides,
    overrides: profile !== undefined ? { profile } : {},
    cliVersion: COMPAT_VERSION,
  });
  return createAuthManager({
    codexHome,
    config,
    originator: cliOriginator(),
    userAgent: () => `${cliOriginator()}/${COMPAT_VERSION}`,
    warn: say,
    issuer,
  });
}

async function loginWithApiKey(auth: AuthManager): Promise<number> {
  if (process.stdin.isTTY) {
    say(
      "--with-api-key expects the API key on stdin. Try piping it, e.g. `printenv OPENAI_API_KEY | codex login --with-api-key`.",
    );
    return 1;
  }
  say("Reading API key from stdin...");
  const key = await readStdin(MAX_API_KEY_BYTES, "The API key").catch((err: Error) => err);
  if (key instanceof Error) {
    say(key.message);
    return 1;
  }
  const trimmed = key.trim();
  if (trimmed === "") {
    say("No API key provided via stdin.");
    return 1;
  }
  try {
    await auth.loginApiKey(trimmed);
  } catch (err) {
    say(`Error logging in: ${(err as Error).message}`);
    return 1;
  }
  say("Successfully logged in");
  return 0;
}

/**
 * The browser login: a callback server on 127.0.0.1 (port 1455 unless configured), the authorize URL printed for
 * the user to open. It waits for the browser to come back; Ctrl-C cancels it and exits 1.
 */
async function loginWithBrowser(auth: AuthManager): Promise<number> {
  let login: Awaited<ReturnType<AuthManager["startChatGptLogin"]>>;
  try {
    login = await auth.startChatGptLogin();
  } catch (err) {
    say(`Error logging in: ${(err as Error).message}`);
    return 1;
  }
  // Listening before the URL is printed: a Ctrl-C as soon as the user sees it must cancel, not kill.
  const cancel = () => auth.cancelLogin(login.loginId);
  process.once("SIGINT", cancel);
  const port = new URL(new URL(login.authUrl).searchParams.get("redirect_uri") ?? "http://localhost").port;
  say(
    `Starting local login server on http://localhost:${port}.\nIf your browser did not open, navigate to this URL to authenticate:\n\n${login.authUrl}\n`,
  );
  // The callback server does not hold the process open (it must not delay an app server's exit): this does.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    const result = await login.done;
    if (result.success) {
      say("Successfully logged in");
      return 0;
    }
    say(`Error logging in: ${result.error}`);
    return 1;
  } finally {
    clearInterval(keepAlive);
    process.off("SIGINT", cancel);
    auth.close();
  }
}

const BOLD = "\x1b[1m";
const YELLOW = "\x1b[93m";
const RESET = "\x1b[0m";

/**
 * The device-code login, as 0.58.0 prints it on stdout: a warning, then (once the issuer gave a code) the link and
 * the code to enter there; the outcome on stderr. The link is the issuer's own `…/codex/device` (0.58.0 always
 * prints auth.openai.com's, even for another issuer). Ctrl-C stops the wait.
 */
async function loginWithDeviceCode(auth: AuthManager): Promise<number> {
  process.stdout.write(
    `${YELLOW}${BOLD}Only use device code authentication when browser login is not available.${RESET}${YELLOW}\n${BOLD}Keep the code secret; do not share it.${RESET}${RESET}\n\n`,
  );
  try {
    await auth.loginWithDeviceCode((code) =>
      process.stdout.write(
        `To authenticate:\n  1. Open in your browser: ${BOLD}${code.verificationUrl}${RESET}\n  2. Enter the one-time code below within 15 minutes:\n\n     ${BOLD}${code.userCode}${RESET}\n\n`,
      ),
    );
  } catch (err) {
    say(`Error logging in with device code: ${(err as Error).message}`);
    return 1;
  } finally {
    auth.close();
  }
  say("Successfully logged in");
  return 0;
}

async function loginStatus(auth: AuthManager): Promise<number> {
  try {
    const current = await auth.current();
    if (!current) {
      say("Not logged in");
      return 1;
    }
    if (current.mode === "apikey") say(`Logged in using an API key - ${maskApiKey(current.apiKey ?? "")}`);
    else say("Logged in using ChatGPT");
    return 0;
  } catch (err) {
    say(`Error checking login status: ${(err as Error).message}`);
    return 1;
  }
}

async function logout(auth: AuthManager): Promise<number> {
  try {
    const current = await auth.current();
    if (!current) {
      say("Not logged in");
      return 0;
    }
    await auth.logout();
    say("Successfully logged out");
    return 0;
  } catch (err) {
    say(`Error logging out: ${(err as Error).message}`);
    return 1;
  }
}

/**
 * `codex login [--with-api-key]`, `codex login status`, `codex logout`, with codex 0.58.0's messages (all on stderr)
 * and exit statuses, over the credential store `cli_auth_credentials_store` selects (file or OS keyring). A key is
 * never printed, only its masked form.
 */
export function registerLogin(program: Command): void {
  const login = program
    .command("login")
    .description("Manage login")
    .option(
      "--with-api-key",
      "read the API key from stdin (e.g. `printenv OPENAI_API_KEY | codex login --with-api-key`)",
    )
    .option(
      "--device-auth",
      "sign in with a one-time code entered in a browser elsewhere (no local browser needed)",
    )
    .addOption(new Option("--experimental_issuer <URL>", "OAuth issuer base URL").hideHelp())
    .action(
      async (opts: { withApiKey?: boolean; deviceAuth?: boolean; experimental_issuer?: string }, command) => {
        const auth = await authManager(command, opts.experimental_issuer);
        exit(
          opts.withApiKey
            ? await loginWithApiKey(auth)
            : opts.deviceAuth
              ? await loginWithDeviceCode(auth)
              : await loginWithBrowser(auth),
        );
      },
    );
  login
    .command("status")
    .description("Show login status")
    .action(async (_opts, command: Command) => {
      exit(await loginStatus(await authManager(command)));
    });
  program
    .command("logout")
    .description("Remove stored authentication credentials")
    .action(async (_opts, command: Command) => {
      exit(await logout(await authManager(command)));
    });
}
