/**
 * Bounds on the compiler's work for any input, however large or garbled: past this many
 * diagnostics the scanner and the parser stop reading (the CLI shows 50 anyway), and only so
 * many unknown names get a "did you mean" (each compares the name with every step).
 */
export const MAX_DIAGNOSTICS = 1_000;
export const MAX_SUGGESTIONS = 100;
