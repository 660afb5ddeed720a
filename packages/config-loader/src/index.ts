// @codex-ts/config-loader
// Not built yet: CODEX_HOME discovery, layered config.toml loading into a typed Config, and the one config writer.
export {};
