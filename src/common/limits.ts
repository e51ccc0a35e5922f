/** Defaults both sides of the Worker API agree on. */

/** Largest message a worker accepts and sends unless it says otherwise (Describe). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
