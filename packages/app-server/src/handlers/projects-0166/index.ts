import type { ProjectMethod0166, Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import type { ThreadOrganization } from "../../threads/organization.js";
import { createProjectHandlers0166 } from "./projects.js";
import { createSectionHandlers0166 } from "./sections.js";

/** Every method of 0.166.0's thread organisation group (projects and thread sections). */
export function createOrganizationHandlers0166(
  org: ThreadOrganization,
  experimentalApi: () => boolean,
): Handlers<Protocol0166, ProjectMethod0166> {
  return { ...createProjectHandlers0166(org, experimentalApi), ...createSectionHandlers0166(org) };
}

/** The methods, for a server without a CODEX_HOME (answered as unavailable). */
export const ORGANIZATION_METHODS_0166 = [
  "thread/section/move",
  "project/list",
  "project/read",
  "project/create",
  "project/import",
  "project/update",
  "project/move",
  "project/delete",
  "threadSection/list",
  "threadSection/create",
  "threadSection/update",
  "threadSection/delete",
] as const satisfies readonly ProjectMethod0166[];
