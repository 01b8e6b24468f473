// How a job stops in the middle of work that has no step boundary of its own (an evaluation pass,
// a corpus import, sampling): the inner loop checks the run's cancel flag at each batch and throws
// JobCancelled; the job catches it where it can still checkpoint, else the worker ends the run
// `cancelled` from here.

export class JobCancelled extends Error {
  constructor(where: string) {
    super(`cancelled during ${where}`);
    this.name = 'JobCancelled';
  }
}

/** A cancel check: true once the run was asked to stop. */
export type CancelCheck = () => boolean;

/** Throw JobCancelled when `cancelled` says so (no check given: never). */
export function throwIfCancelled(cancelled: CancelCheck | undefined, where: string): void {
  if (cancelled?.()) throw new JobCancelled(where);
}
