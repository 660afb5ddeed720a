import { codexTestConfig } from "../../vitest.shared.js";

export default codexTestConfig("package");
