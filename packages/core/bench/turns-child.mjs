// Builds a rollout's turn index, or reads one page of its turns, in a fresh process (run by bench/run.mjs), and
// reports time and memory: `node turns-child.mjs <rollout> build|page`.
import { SessionsStore } from "../dist/index.js";
import { peakRssBytes } from "./peak-rss.mjs";

const [path, mode] = process.argv.slice(2);
// The store reads rollouts only inside its own sessions directories: the home is the folder above `sessions/`.
const home = path.slice(0, path.lastIndexOf("/sessions/"));
const rssBefore = process.memoryUsage().rss;
const store = new SessionsStore(home);
const t0 = performance.now();
let result;
if (mode === "build") {
  const page = await store.turns({ path }, { limit: 0 });
  result = { turns: page.total, indexedBytes: page.indexedBytes };
} else {
  // The newest 10 turns (what an editor shows first), their lines streamed and parsed.
  const page = await store.turns({ path }, { direction: "desc", limit: 10 });
  let lines = 0;
  let bytes = 0;
  for (const turn of page.turns) {
    for await (const line of store.readLines(page.path, turn, page.generation)) {
      lines++;
      bytes += line.end - line.start;
    }
  }
  result = { turns: page.turns.length, lines, bytes };
}
const ms = performance.now() - t0;
store.close();
const peakRss = peakRssBytes();
process.stdout.write(`${JSON.stringify({ ms, rssBefore, peakRss, ...result })}\n`);
