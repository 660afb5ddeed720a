// The plugin store: an installed plugin is a copy of its source under
// CODEX_HOME/plugins/cache/<marketplace>/<plugin>/<version>/ (codex 0.166.0's layout), so it keeps working when the
// marketplace changes or goes away. Copies are staged beside the target and renamed into place.
import { constants } from "node:fs";
import { copyFile, lstat, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  DEFAULT_PLUGIN_VERSION,
  type PluginId,
  pluginBaseRoot,
  pluginSegmentError,
  pluginVersionError,
  readPluginManifest,
} from "@codex-ts/config-loader";

/** A plugin tree larger than this (files, or bytes) is refused rather than copied. */
export const PLUGIN_COPY_MAX_FILES = 20_000;
export const PLUGIN_COPY_MAX_BYTES = 512 * 1024 * 1024;

export class PluginStoreError extends Error {
  override readonly name = "PluginStoreError";
}

interface CopyBudget {
  files: number;
  bytes: number;
}

/** Copies directories and regular files (symlinks and special files are left out, as 0.166.0 leaves them out). */
async function copyTree(from: string, to: string, budget: CopyBudget): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) {
      await copyTree(src, dst, budget);
    } else if (entry.isFile()) {
      const st = await lstat(src);
      budget.files += 1;
      budget.bytes += st.size;
      if (budget.files > PLUGIN_COPY_MAX_FILES || budget.bytes > PLUGIN_COPY_MAX_BYTES)
        throw new PluginStoreError(
          `plugin source is too large to install (more than ${PLUGIN_COPY_MAX_FILES} files or ${PLUGIN_COPY_MAX_BYTES} bytes)`,
        );
      await copyFile(src, dst, constants.COPYFILE_EXCL);
    }
  }
}

export interface PluginInstallResult {
  version: string;
  installedPath: string;
}

/**
 * Installs the plugin whose source directory is `source` as `id`: its manifest must be valid and name the same
 * plugin; the version directory is the manifest's `version` (else `local`). A reinstall of the same version swaps the
 * whole plugin directory; a new version is added and the older ones removed.
 */
export async function installPlugin(
  codexHome: string,
  source: string,
  id: PluginId,
): Promise<PluginInstallResult> {
  if (!(await lstat(source).catch(() => null))?.isDirectory())
    throw new PluginStoreError(`plugin source path is not a directory: ${source}`);
  const manifest = await readPluginManifest(source).catch(() => {
    throw new PluginStoreError("missing or invalid plugin.json");
  });
  const nameError = pluginSegmentError(manifest.name, "plugin name");
  if (nameError) throw new PluginStoreError(nameError);
  if (manifest.name !== id.pluginName)
    throw new PluginStoreError(
      `plugin.json name \`${manifest.name}\` does not match marketplace plugin name \`${id.pluginName}\``,
    );
  const version = manifest.version ?? DEFAULT_PLUGIN_VERSION;
  const versionError = pluginVersionError(version);
  if (versionError) throw new PluginStoreError(versionError);

  const base = pluginBaseRoot(codexHome, id);
  const parent = dirname(base);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(join(parent, ".plugin-install-"));
  try {
    const stagedBase = join(staging, id.pluginName);
    await copyTree(source, join(stagedBase, version), { files: 0, bytes: 0 });
    const baseExists = (await lstat(base).catch(() => null))?.isDirectory() ?? false;
    const versionExists = baseExists && (await lstat(join(base, version)).catch(() => null)) !== null;
    if (baseExists && !versionExists) {
      await rename(join(stagedBase, version), join(base, version));
      for (const old of await readdir(base, { withFileTypes: true })) {
        if (old.isDirectory() && old.name !== version)
          await rm(join(base, old.name), { recursive: true, force: true });
      }
    } else if (baseExists) {
      // Same version again: the old tree moves aside, the new one takes its place, then the old one goes.
      const backup = join(staging, "previous");
      await rename(base, backup);
      try {
        await rename(stagedBase, base);
      } catch (err) {
        await rename(backup, base);
        throw err;
      }
    } else {
      await rename(stagedBase, base);
    }
    return { version, installedPath: join(base, version) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Removes every installed version of `id` (nothing to remove is not an error). */
export async function uninstallPlugin(codexHome: string, id: PluginId): Promise<void> {
  await rm(pluginBaseRoot(codexHome, id), { recursive: true, force: true });
}
