// The GPU is one device shared by every run of this process: runs that may use it hold a lease, and
// at most `limit` hold one at a time (default 1; WHITTLE_GPU_RUNS raises it on a GPU with memory for
// several). A run that wants the GPU while the leases are taken waits in the queue — it never
// starts next to another GPU run without a limit on how many share the device's memory. The
// scheduler gives a lease back when the run ends, or as soon as its worker reports a backend other
// than webgpu (no adapter on this machine, or a fallback). Pure bookkeeping, no timers.

export class GpuLease {
  private readonly holders: string[] = [];

  constructor(readonly limit = 1) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`GPU runs at once must be a whole number ≥ 1 (got ${limit})`);
  }

  /** Take a lease for `runId`; false when `limit` runs hold one already. Idempotent for a holder. */
  tryAcquire(runId: string): boolean {
    if (this.holders.includes(runId)) return true;
    if (this.holders.length >= this.limit) return false;
    this.holders.push(runId);
    return true;
  }

  /** Give `runId`'s lease back (no-op when it holds none). */
  release(runId: string): void {
    const i = this.holders.indexOf(runId);
    if (i >= 0) this.holders.splice(i, 1);
  }

  /** Whether a run that does not hold a lease would have to wait. */
  get full(): boolean { return this.holders.length >= this.limit; }

  /** The runs holding a lease, oldest first. */
  get runs(): readonly string[] { return this.holders; }
}

/** The lease limit from WHITTLE_GPU_RUNS (default 1), with the variable named when it is wrong. */
export function gpuRunsFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`WHITTLE_GPU_RUNS must be a whole number ≥ 1 (got '${value}')`);
  return n;
}
