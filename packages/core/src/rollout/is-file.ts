import { stat } from "node:fs/promises";

/** Whether a path is a regular file (symlinks followed); false when it cannot be stat'd. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
