/**
 * A sorted multiset stored as a list of bounded chunks, so inserts and deletes move at most one chunk
 * (O(√n)-ish) instead of the whole array, while lookups stay binary searches.
 */
const MAX_CHUNK = 512;

export class SortedList<T> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly cmp: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  insert(item: T): void {
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      this.count = 1;
      return;
    }
    let ci = this.chunkFor(item);
    if (ci === this.chunks.length) ci--;
    const chunk = this.chunks[ci];
    chunk.splice(lower(chunk, (x) => this.cmp(x, item)), 0, item);
    this.count++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(ci + 1, 0, chunk.splice(MAX_CHUNK >> 1));
  }

  /** Removes one item equal (cmp === 0) to `item`; returns whether one was found. */
  remove(item: T): boolean {
    const ci = this.chunkFor(item);
    if (ci === this.chunks.length) return false;
    const chunk = this.chunks[ci];
    const i = lower(chunk, (x) => this.cmp(x, item));
    if (i >= chunk.length || this.cmp(chunk[i], item) !== 0) return false;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  /** Iterates items in order, starting at the first item for which `probe` is not negative (all items if omitted). */
  *iterateFrom(probe?: (item: T) => number): Generator<T> {
    let ci = 0;
    let i = 0;
    if (probe) {
      ci = this.firstChunk(probe);
      if (ci < this.chunks.length) i = lower(this.chunks[ci], probe);
    }
    for (; ci < this.chunks.length; ci++, i = 0) {
      const chunk = this.chunks[ci];
      for (; i < chunk.length; i++) yield chunk[i];
    }
  }

  /** Iterates items in reverse order, starting at the last item for which `probe` is not positive. */
  *iterateDown(probe: (item: T) => number): Generator<T> {
    const above = (x: T): number => (probe(x) > 0 ? 0 : -1);
    let ci = this.firstChunk(above);
    let i = ci < this.chunks.length ? lower(this.chunks[ci], above) - 1 : -1;
    if (i < 0) i = --ci >= 0 ? this.chunks[ci].length - 1 : -1;
    for (; ci >= 0; ci--, i = ci >= 0 ? this.chunks[ci].length - 1 : -1) {
      const chunk = this.chunks[ci];
      for (; i >= 0; i--) yield chunk[i];
    }
  }

  /** How many items the probe puts inside (0), for a probe that is negative below them and positive above. */
  countInside(probe: (item: T) => number): number {
    return this.rank((x) => (probe(x) > 0 ? 0 : -1)) - this.rank(probe);
  }

  /** How many items lie below the probe (probe(x) < 0): whole chunks summed, one binary search in the last. */
  private rank(probe: (item: T) => number): number {
    const ci = this.firstChunk(probe);
    let n = 0;
    for (let c = 0; c < ci; c++) n += this.chunks[c].length;
    return ci < this.chunks.length ? n + lower(this.chunks[ci], probe) : n;
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  private chunkFor(item: T): number {
    return this.firstChunk((x) => this.cmp(x, item));
  }

  /** Index of the first chunk whose last item is not below the probe. */
  private firstChunk(probe: (item: T) => number): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const last = this.chunks[mid][this.chunks[mid].length - 1];
      if (probe(last) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** First index whose element is not below the probe (probe(x) < 0 means x is below). */
function lower<T>(arr: T[], probe: (item: T) => number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (probe(arr[mid]) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
