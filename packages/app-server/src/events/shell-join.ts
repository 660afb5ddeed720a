const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Joins argv into one shell-quoted string (`bash -lc 'echo hi'`), how v2 `commandExecution.command` shows it. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((a) => (a === "" ? "''" : SAFE.test(a) ? a : `'${a.replaceAll("'", `'"'"'`)}'`)).join(" ");
}
