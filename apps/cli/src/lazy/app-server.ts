// What the commands use of @codex-ts/app-server, loaded with import() when a command runs it. A module of named
// re-exports, because the bundle defines a getter at load (every start) for each name of a module that is ever
// import()ed: the package's whole namespace would be ~70 of them, the protocol's ~270, core's ~220 (issue 17).
export { AppServerRuntime, listenRefusal, runAppServer, wsAuthFromFlags } from "@codex-ts/app-server";
