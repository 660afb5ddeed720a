// What an editor's first look at a stored thread costs this store, in a fresh process (run by the benches):
//   node history-child.mjs <rollout> list <json ThreadQuery> <runs>   listThreads: first call, then the median of runs
//   node history-child.mjs <rollout> read                             readThread + the newest 10 turns with their lines
//   node history-child.mjs <rollout> resume                           loadForResume (0.166.0's resume: no events)
// Prints {ms, peakRss, …} as JSON. The store reads rollouts only inside its own sessions directories: the home is
// the folder above `sessions/` (for `list`, the first argument is the home itself).
import { SessionsStore } from "../dist/index.js";
import { peakRssBytes } from "./peak-rss.mjs";

const [target, mode, query, runs] = process.argv.slice(2);
const home = mode === "list" ? target : target.slice(0, target.lastIndexOf("/sessions/"));
const store = new SessionsStore(home);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const t0 = performance.now();
let result;
if (mode === "list") {
  const q = { limit: 25, defaultProvider: "openai", ...JSON.parse(query) };
  const once = async () => {
    const t = performance.now();
    const page = await store.listThreads(q);
    if (page.items.length !== 25) throw new Error(`listThreads ${query}: ${page.items.length} items`);
    return performance.now() - t;
  };
  const first = await once();
  const later = [];
  for (let i = 0; i < Number(runs ?? 5); i++) later.push(await once());
  result = { first, later: median(later) };
} else if (mode === "read") {
  const thread = await store.readThread({ path: target }, "openai");
  const page = await store.listTurns({ path: target }, { limit: 10 });
  let lines = 0;
  let bytes = 0;
  for (const turn of page.turns) {
    for await (const line of store.readLines(turn.path, turn, turn.generation)) {
      lines++;
      bytes += line.end - line.start;
    }
  }
  result = { preview: thread?.preview.slice(0, 20), turns: page.total, lines, bytes };
} else {
  const loaded = await store.loadForResume({ path: target });
  result = {
    items: loaded.items.length,
    heldBytes: loaded.heldBytes,
    replayedFrom: loaded.replayedFrom?.offset ?? null,
  };
}
const ms = performance.now() - t0;
store.close();
process.stdout.write(`${JSON.stringify({ ms, peakRss: peakRssBytes(), ...result })}\n`);
