// @codex-ts/auth-storage
// Not built yet: Credential storage for Codex auth: auth.json file, OS keyring, or both.
export {};
