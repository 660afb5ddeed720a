// @codex-ts/test-support
// Not built yet: Test helpers: a mock model server on 127.0.0.1 streaming scripted SSE, and a harness that drives the built CLI over stdio.
export {};
