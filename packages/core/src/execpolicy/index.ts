export {
  appendAllowRule,
  DEFAULT_RULES_FILE,
  ExecPolicyStore,
  type LoadedExecPolicy,
  loadExecPolicy,
  RULES_DIR,
  RULES_FILE_MAX_BYTES,
} from "./files.js";
export {
  allowRuleLine,
  commandsOf,
  type Decision,
  ExecPolicy,
  evaluateCommand,
  type PolicyVerdict,
  type PrefixRule,
  type RuleMatch,
} from "./policy.js";
export { parseRulesFile, type RulesCall, RulesSyntaxError, type RulesValue } from "./syntax.js";
