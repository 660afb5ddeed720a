import type { AppServerClient } from "./client.js";

/**
 * Ends a server for cleanup, whatever state a failed test left it in: SIGTERM (a graceful shutdown), then SIGKILL
 * if it has not exited within `graceMs`. Resolves once it is gone, so its temp dirs can be removed after.
 */
export async function stopServer(c: AppServerClient, graceMs = 5000): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill("SIGTERM");
  const timer = setTimeout(() => c.child.kill("SIGKILL"), graceMs);
  await c.exited;
  clearTimeout(timer);
}
