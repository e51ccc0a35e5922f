/**
 * The Monte Carlo workers' random numbers, exactly reproducible in any language:
 * mulberry32 (a counter-based 32-bit generator) seeded through murmur3's fmix32.
 * The Python worker (python/montecarlo.py) implements the same arithmetic with numpy, so
 * `sample({n, seed})` gives the same hits in both.
 *
 *   state_0 = fmix32(seed)
 *   state_i = (state_0 + i * 0x6D2B79F5) mod 2^32          i = 1, 2, ...
 *   u_i     = mix(state_i) / 2^32                           a double in [0, 1)
 *
 * Sample k (0-based) is the point (u_{2k+1}, u_{2k+2}); it is a hit when x*x + y*y < 1.
 */

/** murmur3's 32-bit finalizer: spreads small seeds (0, 1, 2...) over the whole state space. */
export function fmix32(seed: number): number {
  let h = seed >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The i-th output (i ≥ 1) of the stream whose initial state is `state0`, as a double in [0, 1). */
export function uniformAt(state0: number, i: number): number {
  let t = (state0 + Math.imul(i, 0x6d2b79f5)) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Hits among samples [from, to) of the stream seeded by `seed`. */
export function countHits(seed: number, from: number, to: number): number {
  const s0 = fmix32(seed);
  let hits = 0;
  for (let k = from; k < to; k++) {
    const x = uniformAt(s0, 2 * k + 1);
    const y = uniformAt(s0, 2 * k + 2);
    if (x * x + y * y < 1) hits++;
  }
  return hits;
}

/** The stream seeded by `seed` as a function: each call gives its next output, u_1, u_2, ... (no fmix32: the seed is the state). */
export function sequence(seed: number): () => number {
  let i = 0;
  return () => uniformAt(seed >>> 0, ++i);
}
