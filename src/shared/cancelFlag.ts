// A cancel request that a busy thread can see. A worker's job loop may run for minutes without
// returning to its event loop (a transformer step awaits only promises that settle at once), so a
// {type:'cancel'} message would wait in the port until the job ends. The scheduler and the worker
// instead share one 4-byte SharedArrayBuffer per run: the scheduler stores 1, the loop loads it
// with Atomics at each step and evaluation batch, whatever its event loop is doing.

export class CancelFlag {
  private readonly cell: Int32Array;

  /** A new flag, or a view of one another thread created (the buffer travels in the start message). */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < 4) throw new Error('CancelFlag: needs a SharedArrayBuffer of at least 4 bytes');
    this.cell = new Int32Array(buffer, 0, 1);
  }

  request(): void { Atomics.store(this.cell, 0, 1); }

  get requested(): boolean { return Atomics.load(this.cell, 0) === 1; }
}
