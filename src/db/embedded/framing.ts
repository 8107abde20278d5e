import { checkMessageLength } from './wire';

/**
 * Splits a TCP byte stream into whole messages without copying a partial message on every chunk.
 * Holds at most one message plus the rest of the last chunk: a header announcing more than
 * `maxMessageBytes()` is refused before its body is buffered.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected = 0;

  constructor(private readonly maxMessageBytes: () => number) {}

  /** Bytes held for a message that has not fully arrived. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete message, or undefined if more bytes are needed; throws ProtocolError on a bad length. */
  next(): Buffer | undefined {
    if (this.expected === 0) {
      if (this.buffered < 4) return undefined;
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : this.flatten();
      const len = head.readInt32LE(0);
      checkMessageLength(len, this.maxMessageBytes());
      this.expected = len;
    }
    if (this.buffered < this.expected) return undefined;
    const all = this.flatten();
    const message = all.subarray(0, this.expected);
    const rest = all.subarray(this.expected);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    this.expected = 0;
    return message;
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0];
  }
}
