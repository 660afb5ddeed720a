import { lstat, mkdir, unlink } from "node:fs/promises";
import net from "node:net";
import path from "node:path";

/** Whether something accepts connections on the socket at `socketPath` (a live server, not a stale file). */
function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

/**
 * Makes `socketPath` ready to listen on: its directory exists (created 0700), and a socket file left by a server
 * that is gone (nothing answers on it) is removed. A live server's socket, or a path that is not a socket, is
 * refused with an error naming it: another server's clients are never taken over, and no other file is deleted.
 */
export async function prepareSocketPath(socketPath: string): Promise<void> {
  await mkdir(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  const st = await lstat(socketPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return null;
    throw err;
  });
  if (!st) return;
  if (!st.isSocket())
    throw new Error(`app-server control socket path exists and is not a socket: ${socketPath}`);
  if (await socketAnswers(socketPath))
    throw new Error(`app-server control socket is already in use at ${socketPath}`);
  await unlink(socketPath);
}
