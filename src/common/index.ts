/** What the worker SDK and the callers of workers share: JSON, values on the wire, call errors, limits, long timers. */
export type { Json } from "./json.js";
export { encodeValue, decodeValue, type Value } from "./values.js";
export * from "./call-errors.js";
export { LISTENING_PREFIX, listeningLine, parseListeningLine } from "./announce.js";
export { DEFAULT_MAX_MESSAGE_BYTES } from "./limits.js";
export { MAX_TIMER_MS, setLongTimeout, clearLongTimeout, type LongTimer } from "./long-timer.js";
export { editDistance, closest, didYouMean } from "./suggest.js";
