/**
 * Transparent huge pages for the workers' bulk memory. Where the kernel hands out huge
 * pages only when asked (`madvise`, Debian's and most distributions' default), glibc's
 * malloc asks only when told to by `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` (glibc 2.35 and
 * later; older versions and other C libraries ignore it). A fresh 256 MiB buffer then
 * takes one page fault per 2 MiB instead of one per 4 KiB: filling one went from 0.9-1.3 s
 * to 0.32-0.34 s on this project's VMs, and reading a 256 MiB land file from 1 s to
 * 50-80 ms once the worker had read one before. Resident memory of an idle Node worker grew
 * by about 2 MB. A worker whose environment sets GLIBC_TUNABLES already keeps exactly that:
 * Debian 12's glibc (2.36) cuts the variable down to its first tunable when a process
 * starts, so across the `/bin/sh -c` a worker is started through, ours added to theirs
 * would take the place of theirs.
 */
export const HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb=1";

/** The GLIBC_TUNABLES a worker gets: its own when it has any, else huge pages asked for. */
export function withHugePages(tunables: string | undefined): string {
  return tunables === undefined || tunables === "" ? HUGE_PAGES_TUNABLE : tunables;
}
