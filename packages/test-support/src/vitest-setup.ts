import { afterAll, afterEach } from "vitest";
import { stopAppServers, takeWireViolations } from "./harness-registry.js";
import { removeTempDirs } from "./temp-dirs.js";

/**
 * Vitest `setupFiles` entry shared by every package: after each test, what the harness clients received must have
 * passed the protocol registry's checks (a violation fails that test); after each file, the app servers the
 * harness started are stopped and the temp dirs `tempDir` made are removed.
 */
function failOnWireViolations(): void {
  const violations = takeWireViolations();
  if (violations.length > 0)
    throw new Error(`messages that break the protocol registry:\n${violations.join("\n")}`);
}

afterEach(failOnWireViolations);
afterAll(async () => {
  await stopAppServers();
  try {
    failOnWireViolations();
  } finally {
    await removeTempDirs();
  }
});
