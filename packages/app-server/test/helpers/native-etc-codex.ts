import { spawnSync } from "node:child_process";
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { CODEX_0166_BIN } from "@codex-ts/test-support";

/**
 * The native codex 0.166.0 reads its managed requirements from /etc/codex only. A test runs it in a private user and
 * mount namespace (`unshare -rm`) where a copy of /etc has the test's `codex` folder; where `unshare` is not
 * permitted (or the binary is missing) `NATIVE_WITH_ETC` is undefined and a test compares ours alone against the
 * answers 0.166.0 gave.
 */
const canUnshare = spawnSync("unshare", ["-rm", "true"]).status === 0;
export const NATIVE_WITH_ETC: string | undefined = CODEX_0166_BIN && canUnshare ? CODEX_0166_BIN : undefined;
export const NATIVE_WITH_ETC_REASON = CODEX_0166_BIN
  ? "unshare is not permitted: checking this server alone"
  : "codex 0.166.0 not found: checking this server alone";

/**
 * A wrapper that runs the native binary with /etc/codex = `codexDir`: inside `unshare -rm` it binds every entry of
 * /etc into a fresh folder under `root`, adds `codex`, and mounts that folder over /etc (the real /etc is untouched).
 */
export async function nativeWithEtcCodex(root: string, codexDir: string, native: string): Promise<string> {
  const inner = path.join(root, "etc-shadow.sh");
  await writeFile(
    inner,
    [
      "#!/bin/sh",
      "set -e",
      `D=$(mktemp -d ${JSON.stringify(path.join(root, "etc-XXXXXX"))})`,
      "for f in /etc/* /etc/.[!.]*; do",
      '  [ -e "$f" ] || [ -L "$f" ] || continue',
      '  n=$(basename "$f")',
      '  if [ -L "$f" ]; then cp -P "$f" "$D/$n"',
      '  elif [ -d "$f" ]; then mkdir "$D/$n"; mount --rbind "$f" "$D/$n"',
      '  else : > "$D/$n"; mount --bind "$f" "$D/$n"; fi',
      "done",
      `mkdir "$D/codex"; mount --bind ${JSON.stringify(codexDir)} "$D/codex"`,
      'mount --rbind "$D" /etc',
      `exec ${JSON.stringify(native)} "$@"`,
      "",
    ].join("\n"),
  );
  const outer = path.join(root, "native-with-etc-codex.sh");
  await writeFile(outer, `#!/bin/sh\nexec unshare -rm ${JSON.stringify(inner)} "$@"\n`);
  await Promise.all([chmod(inner, 0o755), chmod(outer, 0o755)]);
  return outer;
}
