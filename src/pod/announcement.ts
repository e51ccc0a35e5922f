/** A worker's `QB_LISTENING <address>` line, read from its log as the log grows. */
import { parseListeningLine } from "../common/announce.js";
import { GrowingFile } from "../common/growing-file.js";

export class AnnouncementReader {
  private readonly log: GrowingFile;

  /** `offset`: where this process's lines begin in the log. */
  constructor(path: string, offset: number) {
    this.log = new GrowingFile(path, offset);
  }

  /** The announced address, once the line is in the log. */
  read(): string | undefined {
    for (const line of this.log.lines()) {
      const address = parseListeningLine(line);
      if (address !== null) return address;
    }
    return undefined;
  }
}
