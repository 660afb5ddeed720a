import { invalidRequest } from "@codex-ts/app-server-protocol";

/**
 * The gate of 0.166.0's experimental methods and fields: `<what> requires experimentalApi capability` (-32600, its
 * words; `what` a method, or `method.field`) unless the client asked for the experimental API at `initialize`.
 */
export function experimentalCheck(experimentalApi: () => boolean): (what: string) => void {
  return (what) => {
    if (!experimentalApi()) throw invalidRequest(`${what} requires experimentalApi capability`);
  };
}
