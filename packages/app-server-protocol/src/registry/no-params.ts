import { z } from "zod";

/**
 * The params of a request or notification that takes none (serde's unit: absent or `null` on the wire). A client
 * notification declared with it has no `params` member in the wire union, as in the reference's schema.
 */
export const NoParams = z.null().optional();
