import { invalidParams, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import { OrganizationError, PINNED_SECTION_ID } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import { organizationError, type ThreadOrganization } from "../../threads/organization.js";
import { parseThreadId } from "../../threads/registry.js";
import { pageSize } from "./projects.js";

type SectionMethod =
  | "threadSection/list"
  | "threadSection/create"
  | "threadSection/update"
  | "threadSection/delete"
  | "thread/section/move";

/** 0.166.0's longest appearance field (icon, color), in bytes. */
const MAX_APPEARANCE_FIELD_BYTES = 64;

type Appearance = { icon?: string | null | undefined; color?: string | null | undefined };

function appearance(a: Appearance): { icon: string | null; color: string | null } {
  for (const field of ["icon", "color"] as const) {
    const value = a[field];
    if (value != null && Buffer.byteLength(value) > MAX_APPEARANCE_FIELD_BYTES)
      throw invalidParams(`section appearance ${field} must not exceed ${MAX_APPEARANCE_FIELD_BYTES} bytes`);
  }
  return { icon: a.icon ?? null, color: a.color ?? null };
}

function sectionName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw invalidParams("section name must not be empty");
  return trimmed;
}

/** A section id a change names: not empty, and not the built-in Pinned section (`verb`: what it cannot be). */
function changeableSection(id: string, verb: "renamed" | "deleted"): string {
  if (!id.trim()) throw invalidParams("sectionId must not be empty");
  if (id === PINNED_SECTION_ID) throw invalidParams(`the built-in pinned section cannot be ${verb}`);
  return id;
}

/**
 * `threadSection/*` and `thread/section/move`: the sections of this CODEX_HOME (core's `SectionStore`, the
 * built-in Pinned one first) and which one a thread is in, with 0.166.0's validation and refusals (-32602 for the
 * section methods, -32600 for a move, as 0.166.0 answers). Neither sends a notification (0.166.0 sends none).
 */
export function createSectionHandlers0166(org: ThreadOrganization): Handlers<Protocol0166, SectionMethod> {
  const { sections } = org;
  return {
    async "threadSection/list"(p) {
      const page = sections.list(p.cursor ?? null, pageSize(p.limit));
      return { data: page.sections, nextCursor: page.nextCursor };
    },

    async "threadSection/create"(p) {
      const name = sectionName(p.name);
      return { section: sections.create(name, p.appearance ? appearance(p.appearance) : null) };
    },

    async "threadSection/update"(p) {
      const name = sectionName(p.name);
      const id = changeableSection(p.sectionId, "renamed");
      const look = p.appearance === undefined ? undefined : p.appearance && appearance(p.appearance);
      const section = sections.update(id, name, look);
      if (!section) throw invalidParams(`thread section not found: ${id}`);
      return { section };
    },

    async "threadSection/delete"(p) {
      const id = changeableSection(p.sectionId, "deleted");
      if (!sections.delete(id)) throw invalidParams(`thread section not found: ${id}`);
      return {};
    },

    async "thread/section/move"(p) {
      const threadId = parseThreadId(p.threadId);
      const sectionId = p.sectionId ?? null;
      if (sectionId !== null && !sectionId.trim()) throw invalidRequest("sectionId must not be empty");
      if (sectionId === null && p.beforeThreadId != null)
        throw invalidRequest("beforeThreadId requires a non-null sectionId");
      let before: string | null = null;
      if (p.beforeThreadId != null) {
        try {
          before = parseThreadId(p.beforeThreadId);
        } catch (err) {
          throw invalidRequest(
            (err as Error).message.replace("invalid thread id", "invalid before thread id"),
          );
        }
      }
      if (!(await org.threadExists(threadId))) throw invalidRequest(`thread not found: ${threadId}`);
      try {
        sections.move(threadId, sectionId, before);
      } catch (err) {
        if (err instanceof OrganizationError) throw invalidRequest(err.message);
        return organizationError(err);
      }
      return {};
    },
  };
}
