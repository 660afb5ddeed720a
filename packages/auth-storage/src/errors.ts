/**
 * A credential store failure. Messages never include secrets: they name the file or the keyring entry and the
 * underlying error only.
 */
export class AuthStorageError extends Error {
  override readonly name = "AuthStorageError";
  constructor(
    message: string,
    readonly backend: "file" | "keyring",
  ) {
    super(message);
  }
}
