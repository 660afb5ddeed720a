// @codex-ts/json-to-toml
// Not built yet: Convert JSON values to the TOML value model (Codex's utils/json-to-toml rules).
export {};
