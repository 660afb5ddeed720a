export {
  OrganizationError,
  type ProjectListQuery,
  type ProjectRow,
  type ProjectSortDirection,
  type ProjectSortKey,
  ProjectStore,
} from "./projects.js";
export {
  type SectionAppearance,
  type SectionRow,
  SectionStore,
  type ThreadPlacement,
} from "./sections.js";
export {
  ORGANIZATION_DB_FILE_NAME,
  OrganizationDb,
  PINNED_SECTION_ID,
  PINNED_SECTION_NAME,
} from "./store.js";
