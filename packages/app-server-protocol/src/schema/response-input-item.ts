import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";
import { ContentItem, FunctionCallOutputPayload, Result_of_CallToolResult_or_String } from "./v1.js";

/**
 * What core sends back to the model as input for the next request (tool outputs, injected messages).
 * 0.58.0 does not export it in the app-server schema (it never crosses the app-server wire), so it is
 * not part of the bundle; the shape follows the same snake_case, `type`-tagged convention as `ResponseItem`.
 */
export const ResponseInputItem = lazySchema(() =>
  z.union([
    z.object({ type: z.enum(["message"]), role: z.string(), content: z.array(ContentItem) }),
    z.object({
      type: z.enum(["function_call_output"]),
      call_id: z.string(),
      output: FunctionCallOutputPayload,
    }),
    z.object({
      type: z.enum(["mcp_tool_call_output"]),
      call_id: z.string(),
      result: Result_of_CallToolResult_or_String,
    }),
    z.object({ type: z.enum(["custom_tool_call_output"]), call_id: z.string(), output: z.string() }),
  ]),
);
export type ResponseInputItem = z.infer<typeof ResponseInputItem>;
