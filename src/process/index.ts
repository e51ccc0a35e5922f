/** Worker processes: started through the shell in a group of their own, stopped with everything they started. */
export { spawnInGroup, type SpawnInGroupOptions } from "./spawn-in-group.js";
export { shellScript } from "./shell-script.js";
export { WorkerProcess, type Exit, type SpawnOptions } from "./worker-process.js";
export { awaitGroupGone, groupAlive, groupMembers, killGroup, processAlive, readStat, trackGroup, untrackGroup } from "./process-group.js";
export { forgetDir, forgetLand, reapDir, reapLand } from "./reaper.js";
