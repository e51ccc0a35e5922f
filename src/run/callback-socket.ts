/**
 * Where the quarterback's callback service has its unix socket. By default in the run's
 * socket folder; `qb run --callback-socket PATH` puts it elsewhere, e.g. on a volume the
 * quarterback shares with worker containers started before it (`qb k8s`), which are told
 * QB_CALLBACK=unix:PATH in advance. A unix socket is reached only by who can open the file.
 */

/** A callback socket path the quarterback cannot use. */
export class CallbackSocketError extends Error {
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`callback socket ${path}: ${why}`);
    this.name = "CallbackSocketError";
  }
}

/** Unix socket paths are limited to 108 bytes on Linux, the final NUL included. */
const MAX_SOCKET_PATH = 107;

/** Throws CallbackSocketError unless `path` can be a unix socket's path. */
export function checkCallbackSocket(path: string): void {
  if (!path.startsWith("/")) throw new CallbackSocketError(path, "give an absolute path, e.g. /qb/quarterback.sock");
  if (path.includes("\0")) throw new CallbackSocketError(path, "a path cannot hold a NUL character");
  const bytes = new TextEncoder().encode(path).length;
  if (bytes > MAX_SOCKET_PATH) throw new CallbackSocketError(path, `${bytes} bytes long: a unix socket's path takes at most ${MAX_SOCKET_PATH}`);
  if (path.endsWith("/")) throw new CallbackSocketError(path, "names a folder, not a socket file");
}
