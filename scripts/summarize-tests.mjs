// Sums the vitest JSON reports of every package into one plain "N passed, N failed" line,
// the closing line CI reads. Exits 1 when any test failed or a package left no report.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

let passed = 0,
  failed = 0,
  skipped = 0;
const missing = [];
for (const group of ["packages", "apps"]) {
  for (const name of readdirSync(group)) {
    const dir = join(group, name);
    if (!existsSync(join(dir, "package.json"))) continue;
    const report = join(dir, ".vitest-report.json");
    if (!existsSync(report)) {
      missing.push(dir);
      continue;
    }
    const r = JSON.parse(readFileSync(report, "utf8"));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    // A test file that failed to load has no failed assertions of its own: count it once.
    for (const file of r.testResults ?? []) {
      const failedInside = (file.assertionResults ?? []).some((a) => a.status === "failed");
      if (file.status === "failed" && !failedInside) failed += 1;
    }
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
}
if (missing.length) console.error(`no test report from: ${missing.join(", ")}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
