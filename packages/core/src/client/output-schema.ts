/**
 * A JSON schema for the model's answer as Codex sends it: the Responses request's `text.format`, strict and named
 * `codex_output_schema` (0.58.0 and 0.166.0 send the same shape, fields in this order). The schema goes as given:
 * neither Codex checks it, the provider does.
 */
export function outputSchemaTextFormat(schema: unknown): Record<string, unknown> {
  return { type: "json_schema", strict: true, schema, name: "codex_output_schema" };
}
