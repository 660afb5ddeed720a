import { parseUuid } from "@codex-ts/app-server-protocol";

/**
 * An agent id as the multi-agent tools read it (a thread id: a UUID), or 0.166.0's `invalid agent id <id>: <the uuid
 * crate's error, Debug-formatted>` (e.g. `Error(ParseChar { character: 'n', index: 1 })`, checked with the native
 * binary; the other forms follow the crate's error variants).
 */
export function parseAgentId(raw: string): { id: string } | { error: string } {
  try {
    return { id: parseUuid(raw) };
  } catch {
    return { error: `invalid agent id ${raw}: Error(${uuidErrorDebug(raw)})` };
  }
}

function uuidErrorDebug(raw: string): string {
  const chars = [...raw];
  const bad = chars.findIndex((c) => !/[0-9a-fA-F-]/.test(c));
  if (bad >= 0) return `ParseChar { character: '${chars[bad]}', index: ${bad + 1} }`;
  if (!raw.includes("-")) return `SimpleLength { len: ${raw.length} }`;
  const groups = raw.split("-");
  if (groups.length !== 5) return `GroupCount { count: ${groups.length} }`;
  const expected = [8, 4, 4, 4, 12];
  let index = 1;
  for (const [group, text] of groups.entries()) {
    if (text.length !== expected[group])
      return `GroupLength { group: ${group}, len: ${text.length}, index: ${index} }`;
    index += text.length + 1;
  }
  return `SimpleLength { len: ${raw.length} }`;
}
