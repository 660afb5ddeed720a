import { codexTestConfig } from "../../vitest.shared.js";

// Below test-support in the dependency order: the run's temp root only.
export default codexTestConfig(false);
