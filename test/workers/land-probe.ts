/**
 * A worker for the forged-land-reference tests: what a method receives, as it received it.
 *
 *   make({path, text})   writes text to the land -> its land reference
 *   what(x)              {ref: true, path, text} when x arrived as a LandRef (read through
 *                        ctx.land, checked); {ref: false, value: x} when it arrived as JSON
 */
import { LandRef, serveWorker, type CallContext } from "quarterback/worker";

await serveWorker(
  {
    make: (input: { path: string; text: string }, ctx: CallContext) => ctx.land.writeFile(input.path, input.text),
    what: async (x: unknown, ctx: CallContext) => {
      if (x instanceof LandRef) return { ref: true, path: x.path, text: await ctx.land.readText(x) };
      return { ref: false, value: x as null };
    },
  },
  { name: "land-probe", version: "1.0.0" },
);
