import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  OrganizationDb,
  OrganizationError,
  PINNED_SECTION_ID,
  ProjectStore,
  SectionStore,
} from "../src/organization/index.js";

const T = (n: number) => `01a24a00-0000-7000-8000-${String(n).padStart(12, "0")}`;
let db: OrganizationDb;
let sections: SectionStore;
let projects: ProjectStore;

beforeEach(async () => {
  db = new OrganizationDb(await tempDir("codex-organization-"));
  sections = new SectionStore(db);
  projects = new ProjectStore(db);
});
afterEach(() => db.close());

const positions = () => sections.ordered(PINNED_SECTION_ID, "asc", null).map((r) => [r.id, r.position]);

describe("the organisation store (CODEX_HOME/thread_organization_1.sqlite)", () => {
  it("places threads in a section as 0.166.0 does: appended a gap apart, inserted midway, renumbered when full", () => {
    sections.move(T(1), PINNED_SECTION_ID, null);
    sections.move(T(2), PINNED_SECTION_ID, null);
    sections.move(T(3), PINNED_SECTION_ID, T(2));
    expect(positions()).toEqual([
      [T(1), 1_000_000],
      [T(3), 1_500_000],
      [T(2), 2_000_000],
    ]);
    // Inserting before the first halves its position, until no integer is left below it: then the section is
    // renumbered (the moved thread aside) and the place computed again.
    for (let n = 4; n < 30; n++) sections.move(T(n), PINNED_SECTION_ID, positions()[0]?.[0] as string);
    const after = positions();
    expect(after.map(([id]) => id).slice(-3)).toEqual([T(1), T(3), T(2)]);
    expect(after.every(([, p], i) => i === 0 || (p as number) > (after[i - 1]?.[1] as number))).toBe(true);
    expect(after[0]?.[0]).toBe(T(29));

    // Reordering within the section keeps when the thread entered it; leaving it clears its place.
    const entered = sections.placementsOf([T(2)]).get(T(2))?.sectionEnteredAtMs;
    sections.move(T(2), PINNED_SECTION_ID, T(1));
    expect(sections.placementsOf([T(2)]).get(T(2))?.sectionEnteredAtMs).toBe(entered);
    sections.move(T(2), null, null);
    expect(sections.placementsOf([T(2)]).get(T(2))).toBeUndefined();
    sections.forget(T(1));
    expect(sections.memberIds("section", PINNED_SECTION_ID)).not.toContain(T(1));
  });

  it("refuses moves as 0.166.0 does", () => {
    sections.move(T(1), PINNED_SECTION_ID, null);
    const refusal = (f: () => void) => {
      try {
        f();
      } catch (err) {
        return err instanceof OrganizationError ? err.message : `unexpected ${err}`;
      }
      return "moved";
    };
    expect(refusal(() => sections.move(T(2), "nope", null))).toBe("section nope does not exist");
    expect(refusal(() => sections.move(T(1), PINNED_SECTION_ID, T(1)))).toBe(
      `thread ${T(1)} cannot be moved before itself`,
    );
    expect(refusal(() => sections.move(T(2), PINNED_SECTION_ID, T(3)))).toBe(
      `before thread ${T(3)} is not in section ${PINNED_SECTION_ID}`,
    );
  });

  it("keeps projects: one per key, positions, cursors, thread assignments", () => {
    const made = (key: string, threadIds: string[] = []) =>
      projects.create({
        name: key,
        roots: [],
        metadata: {},
        threadIds,
        idempotencyKey: key,
        threadExists: (id) => id !== T(99),
      });
    expect(() => made("bad", [T(99)])).toThrow(`thread not found: ${T(99)}`);
    const a = made("a", [T(1)]).project;
    expect(made("a").created).toBe(false);
    const b = made("b").project;
    expect([a.position, b.position]).toEqual([0, 1]);
    const page = projects.list({
      cursor: null,
      limit: 1,
      sortKey: "position",
      direction: "asc",
      recencyOf: () => undefined,
    });
    expect(page).toEqual({ projects: [a], nextCursor: `0|${a.id}` });
    for (const cursor of ["x", `v1|position|desc|0|${a.id}`, `-1|${a.id}`, "0|not-a-uuid"])
      expect(() =>
        projects.list({
          cursor,
          limit: 1,
          sortKey: "position",
          direction: "asc",
          recencyOf: () => undefined,
        }),
      ).toThrow("invalid project cursor: malformed or mismatched sort anchor");
    expect(projects.setThreadProject(T(1), b.id)).toBe(a.id);
    expect(projects.delete(b.id)).toEqual([T(1)]);
    expect(() => made("b")).toThrow("idempotency key refers to deleted project: b");
  });
});
