/** Where `npm run build` records the hash of what dist/ was built from. */
export const STAMP: string;
/** The hash of the build's inputs under `root`, read afresh. */
export function buildInputsHash(root: string): string;
