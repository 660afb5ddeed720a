// The floor a Node process sets for `spawn → initialize`: read one line, answer it, nothing loaded.
process.stdin.once("data", (chunk) => {
  const { id } = JSON.parse(String(chunk).split("\n")[0]);
  process.stdout.write(`${JSON.stringify({ id, result: { userAgent: "node-floor" } })}\n`);
});
