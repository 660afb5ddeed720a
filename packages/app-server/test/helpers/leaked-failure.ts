/**
 * Texts that mean a JavaScript failure escaped into an answer instead of a clear error in our or the reference's
 * words: a TypeError and the like, or one of Node's argument errors (`The argument 'path' must be …`).
 */
export const LEAKED_JS_FAILURE =
  /TypeError|ReferenceError|RangeError: Maximum|Cannot read propert|is not a function|is not iterable|The property '|The argument '|ERR_[A-Z_]{4,}|Received type/;
