export {
  emptyLineReadStats,
  type LineReadOptions,
  type LineReadStats,
  type LineSpan,
  readBoundedLineSpans,
  readBoundedLines,
  readLineSpansFrom,
  type SpanReadOptions,
} from "./lines.js";
export { type BackwardSpanReadOptions, readLineSpansBackward } from "./lines-backward.js";
export { readBoundedFile, readFilePrefix } from "./read.js";
export {
  FileReadError,
  fileKind,
  isMissingPath,
  openRegularFile,
  type PrefixReadOptions,
  readFilePrefixSync,
} from "./regular-file.js";
export { findInvalidUtf8, type Utf8Problem } from "./utf8.js";
