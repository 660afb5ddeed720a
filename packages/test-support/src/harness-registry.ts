import type { TransportExit } from "@codex-ts/app-server-client";

/**
 * The harness clients of the running test file: those not yet stopped (`stopAppServers` closes them after the file)
 * and those whose wire violations are not all reported yet (`takeWireViolations`, after each test). See
 * vitest-setup.ts.
 */
export interface Tracked {
  readonly label: string;
  readonly wireViolations: string[];
  reportedViolations: number;
  readonly running: boolean;
  close(options?: { graceMs?: number }): Promise<TransportExit>;
}
const live = new Set<Tracked>();
const unchecked = new Set<Tracked>();

/** Registers a new harness client. */
export function track<C extends Tracked>(client: C): C {
  live.add(client);
  unchecked.add(client);
  return client;
}

/** A client the test closed itself: nothing to stop any more (its violations are still reported). */
export function stopped(client: Tracked): void {
  live.delete(client);
}

/** Wire violations the setup has not reported yet, across every live client (and marks them reported). */
export function takeWireViolations(): string[] {
  const out: string[] = [];
  for (const c of unchecked) {
    out.push(...c.wireViolations.slice(c.reportedViolations).map((v) => `${c.label}: ${v}`));
    c.reportedViolations = c.wireViolations.length;
    if (!c.running) unchecked.delete(c);
  }
  return out;
}

/** Stops every harness client still running (stdin closed, killed after 5 s). */
export async function stopAppServers(): Promise<void> {
  const clients = [...live];
  live.clear();
  await Promise.all(clients.map((c) => (c.running ? c.close({ graceMs: 5000 }) : undefined)));
}
