/**
 * hash-wasm's XXH128 alone: imported by name here, so a bundle keeps this one hash and not
 * all of hash-wasm's, and loaded by digest.ts only when first used.
 */
export { createXXHash128 } from "hash-wasm";
