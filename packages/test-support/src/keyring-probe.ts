/** The part of a keyring entry (e.g. `@napi-rs/keyring`'s `AsyncEntry`) the probe needs. */
export interface ProbeEntry {
  setPassword(secret: string): Promise<void>;
  getPassword(): Promise<string | null | undefined>;
  deletePassword(): Promise<boolean>;
}

/**
 * Whether real-keyring tests can run: only inside scripts/with-keyring.sh (CI), or a desktop session that opts in
 * with `CODEX_TEST_REAL_KEYRING=1`, and only when a throwaway secret round-trips. The caller opens the entry, so
 * this package needs no native keyring binding of its own.
 */
export async function realKeyringAvailable(open: (account: string) => ProbeEntry): Promise<boolean> {
  if (process.env.CODEX_TEST_REAL_KEYRING !== "1" || !process.env.DBUS_SESSION_BUS_ADDRESS) return false;
  try {
    const probe = open(`probe-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    await probe.setPassword("x");
    const ok = (await probe.getPassword()) === "x";
    await probe.deletePassword();
    return ok;
  } catch {
    return false;
  }
}
