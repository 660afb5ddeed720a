import type { RewriteProfile } from "./rewrite-terms.js";

/**
 * The agent a migration reads from, as 0.166.0 picks it from `migrationSource`: `cursor` (any case) is Cursor,
 * anything else (or nothing) Claude Code.
 */
export interface AgentSource {
  kind: "claude" | "cursor";
  /** Its directory in the home and in a repository. */
  dir: string;
  rewrite: RewriteProfile;
}

export const CLAUDE_SOURCE: AgentSource = {
  kind: "claude",
  dir: ".claude",
  rewrite: {
    docFile: "CLAUDE.md",
    terms: ["claude code", "claude-code", "claude_code", "claudecode", "claude"],
    exactTerms: [],
  },
};

export const CURSOR_SOURCE: AgentSource = {
  kind: "cursor",
  dir: ".cursor",
  rewrite: {
    docFile: ".cursorrules",
    // 0.166.0 rewrites only "Cursor" as written ("cursor" is also a common word).
    terms: [],
    exactTerms: ["Cursor"],
  },
};

export const agentSource = (migrationSource: string | null | undefined): AgentSource =>
  migrationSource?.toLowerCase() === "cursor" ? CURSOR_SOURCE : CLAUDE_SOURCE;
