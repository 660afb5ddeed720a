/**
 * Ends the running turn as interrupted (`turn_aborted`). `output` is what the tool call being run reports to the
 * model when that differs from the default aborted text (tools/router.ts).
 */
export class TurnAborted extends Error {
  constructor(readonly output?: string) {
    super("turn aborted");
  }
}
