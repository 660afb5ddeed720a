/** Every config problem a user can cause: the message names the file, and where known the line or key. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** A write that named the version it expected, when config.toml has changed since (Codex 0.166.0's words). */
export class ConfigVersionConflictError extends ConfigError {
  constructor() {
    super("Configuration was modified since last read. Fetch latest version and retry.");
  }
}
