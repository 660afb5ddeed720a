import { realpath, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { internalError, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import { pluginSegmentError } from "@codex-ts/config-loader";
import { findMarketplaceManifest, loadMarketplace, osErrorText } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import { configuredMarketplaces, installedMarketplacesDir } from "./catalog.js";
import { mergedConfig, type PluginServices0166, removeEntry } from "./services.js";

/** The name 0.166.0 keeps for OpenAI's own marketplace. */
const RESERVED_MARKETPLACE = "openai-curated";

/** A `marketplace/add` source: a directory here, or a git source this server does not fetch. */
type Source = { kind: "local"; path: string } | { kind: "git"; url: string };

/** 0.166.0's reading of a source string: a path, a git URL, or GitHub's `owner/repo` (anything else is refused). */
function parseSource(source: string, homeDir: string | undefined): Source {
  const s = source.trim();
  if (/^(https?|ssh|git):\/\//.test(s) || (s.startsWith("git@") && s.includes(":")))
    return { kind: "git", url: s.startsWith("https://github.com/") && !s.endsWith(".git") ? `${s}.git` : s };
  if (s.startsWith("/") || s.startsWith("./") || s.startsWith("../") || s === "." || s === "..")
    return { kind: "local", path: resolve(s) };
  if (s === "~" || s.startsWith("~/")) {
    if (!homeDir) throw invalidRequest("cannot expand `~`: the server has no home directory");
    return { kind: "local", path: join(homeDir, s.slice(1)) };
  }
  if (/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(s))
    return { kind: "git", url: `https://github.com/${s}.git` };
  throw invalidRequest(
    "invalid marketplace source format; expected owner/repo, a git URL, or a local marketplace path",
  );
}

/** Where a remote source would be cloned from: this server reaches no network, so it answers as an offline clone. */
const remoteRefusal = (url: string) =>
  internalError(
    `git clone ${url} was not run: this server adds marketplaces from local directories only (it reaches no network)`,
  );

export function createMarketplaceHandlers0166(
  s: PluginServices0166,
): Handlers<Protocol0166, "marketplace/add" | "marketplace/remove" | "marketplace/upgrade"> {
  return {
    /**
     * 0.166.0 `marketplace/add {source, refName?, sparsePaths?}` for a local directory (a git checkout on disk is one
     * too): the directory must hold a marketplace manifest; `[marketplaces.<name>]` records `source_type = "local"`
     * and the directory's real path, which stays the marketplace's root (nothing is copied). The same source again
     * is `alreadyAdded`; the same name from another source is refused.
     */
    async "marketplace/add"(p) {
      const source = parseSource(p.source, s.homeDir);
      if (source.kind === "git") throw remoteRefusal(source.url);
      if (p.refName != null) throw invalidRequest("--ref is only supported for git marketplace sources");
      if ((p.sparsePaths ?? []).length > 0)
        throw invalidRequest("--sparse is only supported for git marketplace sources");
      let root: string;
      try {
        root = await realpath(source.path);
      } catch (err) {
        throw invalidRequest(`failed to resolve local marketplace source path: ${osErrorText(err)}`);
      }
      const manifest = await findMarketplaceManifest(root);
      if (!manifest)
        throw invalidRequest(
          `invalid marketplace file \`${root}\`: marketplace root does not contain a supported manifest`,
        );
      let name: string;
      try {
        name = (await loadMarketplace(manifest)).name;
      } catch (err) {
        throw invalidRequest((err as Error).message);
      }
      const configured = configuredMarketplaces(s.codexHome, await mergedConfig(s));
      const same = configured.find((m) => m.sourceType === "local" && m.source === root);
      if (!same) {
        if (name === RESERVED_MARKETPLACE)
          throw invalidRequest(
            `marketplace '${RESERVED_MARKETPLACE}' is reserved and cannot be added from this source`,
          );
        if (configured.some((m) => m.name === name))
          throw invalidRequest(
            `marketplace '${name}' is already added from a different source; remove it before adding this source`,
          );
      }
      const recordedName = same?.name ?? name;
      try {
        await s.writer.write([
          {
            type: "writeValue",
            path: ["marketplaces", recordedName],
            value: { source_type: "local", source: root },
            merge: "replace",
          },
        ]);
      } catch (err) {
        throw internalError(`failed to record marketplace: ${(err as Error).message}`);
      }
      return { marketplaceName: name, installedRoot: root, alreadyAdded: same !== undefined };
    },

    /**
     * 0.166.0 `marketplace/remove {marketplaceName}`: the `[marketplaces.<name>]` entry goes, and an installed copy
     * of a git marketplace (CODEX_HOME/.tmp/marketplaces/<name>) with it; a local directory is left alone
     * (`installedRoot: null`). Installed plugins stay installed, as in 0.166.0.
     */
    async "marketplace/remove"(p) {
      const name = p.marketplaceName;
      const nameError = pluginSegmentError(name, "marketplace name");
      if (nameError) throw invalidRequest(nameError);
      const entry = configuredMarketplaces(s.codexHome, await mergedConfig(s)).find((m) => m.name === name);
      const copy = join(installedMarketplacesDir(s.codexHome), name);
      const hasCopy = (await findMarketplaceManifest(copy)) !== null;
      if (!entry && !hasCopy) throw invalidRequest(`marketplace \`${name}\` is not configured or installed`);
      try {
        if (entry) await s.writer.write([await removeEntry(s, "marketplaces", name)]);
        if (hasCopy) await rm(copy, { recursive: true, force: true });
      } catch (err) {
        throw internalError(`failed to remove marketplace: ${(err as Error).message}`);
      }
      return { marketplaceName: name, installedRoot: hasCopy ? copy : null };
    },

    /**
     * 0.166.0 `marketplace/upgrade {marketplaceName?}` pulls git marketplaces. A local one is refused by name as
     * 0.166.0 refuses it; a git one (added by another Codex) is reported as an error per marketplace, since this
     * server reaches no network.
     */
    async "marketplace/upgrade"(p) {
      const git = configuredMarketplaces(s.codexHome, await mergedConfig(s)).filter(
        (m) => m.sourceType === "git",
      );
      const name = p.marketplaceName ?? null;
      const selected = name === null ? git : git.filter((m) => m.name === name);
      if (name !== null && selected.length === 0)
        throw invalidRequest(`marketplace \`${name}\` is not configured as a Git marketplace`);
      return {
        selectedMarketplaces: selected.map((m) => m.name),
        upgradedRoots: [],
        errors: selected.map((m) => ({
          marketplaceName: m.name,
          message: `not upgraded from ${m.source}: this server reaches no network`,
        })),
      };
    },
  };
}
