import { z } from "zod";

/** `auth.json` as Codex writes it (the keyring holds the same record as compact JSON). */
export const AuthRecordSchema = z.looseObject({
  OPENAI_API_KEY: z.string().nullable(),
  tokens: z
    .looseObject({
      id_token: z.string(),
      access_token: z.string(),
      refresh_token: z.string(),
      account_id: z.string().nullable().optional(),
    })
    .optional(),
  last_refresh: z.string().optional(),
});
export type AuthRecord = z.infer<typeof AuthRecordSchema>;

/** Key order as Codex writes it: the API key (always, possibly null), then tokens and last_refresh when set. */
export function orderedRecord(record: AuthRecord): AuthRecord {
  const { OPENAI_API_KEY, tokens, last_refresh, ...rest } = record;
  return {
    OPENAI_API_KEY: OPENAI_API_KEY ?? null,
    ...(tokens !== undefined ? { tokens } : {}),
    ...(last_refresh !== undefined ? { last_refresh } : {}),
    ...rest,
  };
}
