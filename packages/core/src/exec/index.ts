export { parseCommand } from "./parse-command.js";
export { isKnownSafeCommand } from "./safe-command.js";
export { shellJoin, shellScriptOf, tokenizeScript } from "./shell-words.js";
