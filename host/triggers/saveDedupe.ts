// One save seen twice: a client reports it (workspace/didSave) and the host's own watcher sees the
// same write. Both are known by the file's signature (mtime and size, read by the host); the second
// sighting of the same signature within the window is dropped. Pure, no I/O: tested with fake time.

export class SaveDedupe {
  private readonly seen = new Map<string, { sig: string; at: number }>();
  private lastPrune = 0;

  /** True when (file, signature) was already taken within windowMs: the same save reported again. */
  isRepeat(rel: string, sig: string, now: number, windowMs: number): boolean {
    const prev = this.seen.get(rel);
    if (prev && prev.sig === sig && now - prev.at <= windowMs) return true;
    this.seen.set(rel, { sig, at: now });
    this.prune(now, windowMs);
    return false;
  }

  /** Bounded memory: a checkout of 100 000 files must not stay in the map for good. */
  private prune(now: number, windowMs: number): void {
    if (this.seen.size < 1024 || now - this.lastPrune < windowMs) return;
    this.lastPrune = now;
    for (const [k, v] of this.seen) if (now - v.at > windowMs) this.seen.delete(k);
  }

  get size(): number {
    return this.seen.size;
  }
}
