// Runs the CLI bundle (one CommonJS file) as `require` would, but compiled through a V8 code cache kept on disk.
// Node 20 has no compile cache for applications (`module.enableCompileCache` is 22.1+), so every start parsed the
// whole bundle (1.5 MB); with the cache, V8 deserializes the code an earlier run compiled instead. The cache is an
// accelerator only: failing to find, read, verify or write one falls back to compiling, silently.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { readWrappedSource } from "./wrapped-source.js";

/** Where one bundle's code cache is read from and written to. */
export interface CodeCacheStore {
  read(): Buffer | undefined;
  write(data: Buffer): void;
}

type ModuleWrapper = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => void;

/** Cache files start with this, then the SHA-256 of the V8 data that follows. */
const MAGIC = Buffer.from("codex-ts code cache 1\n");
const DIGEST_BYTES = 32;
/** A cache file larger than this is not ours to read (the app-server's is about 1 MB). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/** A loaded bundle: its exports, what became of its code cache, and how to write the cache. */
export interface LoadedBundle {
  exports: unknown;
  /** "hit": compiled from the cache; "miss"/"rejected": compiled from source (none, or V8 refused it); "off". */
  cache: "hit" | "miss" | "rejected" | "off";
  /** Writes the bundle's cache from what has been compiled so far (a no-op when the cache is off); never throws. */
  saveCache(): void;
  /**
   * After a hit: writes the cache again when this run compiled at least `CACHE_GROWTH_TO_REWRITE` times what the
   * cache held, i.e. reached code the run that wrote it never did (a first run that only answered `initialize`
   * leaves a cache without the listing, which every later run would then compile lazily on its first request).
   * A cache only grows, by 1% or more each time (the 0.166 listing adds 2%), and never past `CACHE_REWRITE_MAX_BYTES`,
   * so it is rewritten a bounded number of times. Never throws.
   */
  saveCacheIfGrown(): void;
}

/** How much more compiled code than its cache holds makes a run write the cache again (see `saveCacheIfGrown`). */
export const CACHE_GROWTH_TO_REWRITE = 1.01;
/**
 * A grown cache bigger than this is not written: every later start deserializes the whole cache (~3 ms per MB), so a
 * short run that reached most of the server (a test touching every method wrote 3.6 MB, +10 ms at each start) would
 * cost more than compiling those rarely used functions when they are used. The app-server's start and listing take
 * ~1.4 MB.
 */
export const CACHE_REWRITE_MAX_BYTES = 2 * 1024 * 1024;

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Which of the bundle's caches to use. A cache holds what its first run compiled, and each command runs other
   * code: one cache per command keeps a `codex --version` from leaving the app-server a cache without its code.
   */
  variant?: string;
  /**
   * The bundle's SHA-256 (hex) as the build computed it (`build/bundle-id.ts` writes it into `dist/codex.cjs`).
   * Given, the launcher does not hash the bundle at every start (~3 ms at 2.5 MB); the cache is then named by it and by
   * the bundle's size and mtime, so a bundle edited after the build still never meets the build's cache.
   */
  buildId?: string | undefined;
  /** The most a grown cache may weigh to be written (default `CACHE_REWRITE_MAX_BYTES`). */
  maxRewriteBytes?: number;
}

/**
 * Evaluates the CommonJS bundle `file` as `require` would and returns its exports. Unless
 * `CODEX_TS_CODE_CACHE=0`, the code comes from the bundle's code cache when a valid one exists.
 */
export function loadBundle(file: string, opts: LoadOptions = {}): LoadedBundle {
  const { script, store, cache, cachedBytes } = compileBundle(file, opts);
  const module = { exports: {} };
  const wrapper = script.runInThisContext() as ModuleWrapper;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return {
    exports: module.exports,
    cache,
    saveCache: () => {
      try {
        store?.write(script.createCachedData());
      } catch {
        // Only slower next time; this runs at exit, where a throw would change the exit code.
      }
    },
    saveCacheIfGrown: () => {
      if (!store || cache !== "hit") return;
      try {
        const data = script.createCachedData();
        const max = opts.maxRewriteBytes ?? CACHE_REWRITE_MAX_BYTES;
        if (data.length >= cachedBytes * CACHE_GROWTH_TO_REWRITE && data.length <= max) store.write(data);
      } catch {
        // As in saveCache: the cache read at start stays.
      }
    },
  };
}

/**
 * Compiles the bundle (from its code cache when a valid one exists). Its own function so that the bundle's bytes
 * (1.9 MB) and the cache's (~1.4 MB) are unreachable before the bundle runs: its start-up then frees them at the
 * first garbage collections instead of leaving them for a full one, ~4-5 MiB less resident for the whole process.
 */
function compileBundle(
  file: string,
  opts: LoadOptions,
): {
  script: vm.Script;
  store: CodeCacheStore | undefined;
  cache: LoadedBundle["cache"];
  /** The size of the cache read (0 without one); its bytes themselves are not kept. */
  cachedBytes: number;
} {
  const env = opts.env ?? process.env;
  // esbuild writes ASCII (non-ASCII characters escaped): latin1 gives the same string several times faster than UTF-8.
  const { bytes, code, mtimeMs } = readWrappedSource(file);
  const store =
    env.CODEX_TS_CODE_CACHE === "0"
      ? undefined
      : codeCacheStore(file, buildOf(bytes, mtimeMs, opts.buildId), opts.variant ?? "main", env);
  const cachedData = store?.read();
  const script = new vm.Script(code, { filename: file, cachedData });
  const cache = !store
    ? "off"
    : !cachedData
      ? "miss"
      : script.cachedDataRejected === true
        ? "rejected"
        : "hit";
  return { script, store, cache, cachedBytes: cachedData?.length ?? 0 };
}

/**
 * What names the build of `bundle` (16 hex digits): its content hash, or, when the build recorded that hash, the
 * recorded one with the file's size and mtime (hashing the bundle is not cheap).
 */
function buildOf(bundle: Buffer, mtimeMs: number, buildId: string | undefined): string {
  if (buildId === undefined) return sha256(bundle).toString("hex").slice(0, 16);
  return sha256(Buffer.from(`${buildId}\0${bundle.length}\0${mtimeMs}`))
    .toString("hex")
    .slice(0, 16);
}

/**
 * The cache of one bundle: `.code-cache/` beside it when that directory can be written (a checkout, a user's own
 * install), else a per-install directory under the user's cache directory. V8 checks a cache against the length of
 * the source only, so the file is named by `build` (see `buildOf`: a rebuilt or upgraded bundle never meets another
 * build's cache), by the variant, and by what else makes V8 refuse a cache: Node's version and architecture and
 * the flags Node runs with (each keeps its own file instead of replacing another's). Writing one prunes the files of
 * other builds in that directory.
 */
export function codeCacheStore(
  file: string,
  build: string,
  variant: string,
  env: NodeJS.ProcessEnv,
): CodeCacheStore {
  const base = path.basename(file);
  const flags = [...process.execArgv, env.NODE_OPTIONS ?? ""].join("\0");
  const runtime = `${process.version}-${process.arch}${flags === "" ? "" : `-${hex8(flags)}`}`;
  const name = `${base}.${build}.${variant.replace(/[^\w-]/g, "_")}.${runtime}.bin`;
  // The user's cache directory is only looked up when the one beside the bundle has no cache or cannot hold one.
  function* dirs(): Generator<string> {
    yield path.join(path.dirname(file), ".code-cache");
    yield* userCacheDir(file, env);
  }
  return {
    read() {
      for (const dir of dirs()) {
        const data = readVerified(path.join(dir, name));
        if (data) return data;
      }
      return undefined;
    },
    write(data) {
      for (const dir of dirs()) {
        if (!writeAtomically(dir, name, data)) continue;
        prune(dir, `${base}.`, `${base}.${build}.`);
        return;
      }
    },
  };
}

function sha256(data: Uint8Array): Buffer {
  return createHash("sha256").update(data).digest();
}

function hex8(text: string): string {
  return sha256(Buffer.from(text)).toString("hex").slice(0, 8);
}

/** `<user cache dir>/codex-ts/<hash of the install directory>`, or nothing when there is no home directory. */
function userCacheDir(file: string, env: NodeJS.ProcessEnv): string[] {
  let root: string;
  try {
    const home = os.homedir();
    if (process.platform === "win32") root = env.LOCALAPPDATA || path.join(home, "AppData", "Local");
    else if (process.platform === "darwin") root = path.join(home, "Library", "Caches");
    else
      root =
        env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
          ? env.XDG_CACHE_HOME
          : path.join(home, ".cache");
  } catch {
    return [];
  }
  if (!path.isAbsolute(root)) return [];
  const install = sha256(Buffer.from(path.dirname(file)))
    .toString("hex")
    .slice(0, 16);
  return [path.join(root, "codex-ts", "code-cache", install)];
}

/** The V8 data of a cache file whose header and digest check out; undefined otherwise. */
function readVerified(file: string): Buffer | undefined {
  let data: Buffer;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > MAX_CACHE_BYTES) return undefined;
    data = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const start = MAGIC.length + DIGEST_BYTES;
  if (data.length <= start || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const payload = data.subarray(start);
  return sha256(payload).equals(data.subarray(MAGIC.length, start)) ? payload : undefined;
}

/** Temp file in the same directory, then rename: a reader sees a whole cache file or none. */
function writeAtomically(dir: string, name: string, data: Buffer): boolean {
  const temp = path.join(dir, `${name}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, Buffer.concat([MAGIC, sha256(data), data]), { mode: 0o600, flag: "wx" });
    fs.renameSync(temp, path.join(dir, name));
    return true;
  } catch {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // Nothing was written, or nothing can be removed: either way no cache file is in place.
    }
    return false;
  }
}

/** Removes the cache files (and temp files a killed writer left) of this bundle's other builds. */
function prune(dir: string, bundlePrefix: string, keepPrefix: string): void {
  try {
    for (const entry of fs.readdirSync(dir)) {
      if (entry.startsWith(bundlePrefix) && !entry.startsWith(keepPrefix))
        fs.rmSync(path.join(dir, entry), { force: true });
    }
  } catch {
    // Pruning is housekeeping: the cache just written is in place.
  }
}
