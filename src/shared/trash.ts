// Deleting runs and studies (#16 item 6): what a delete would take with it, and the trash that keeps
// deleted items (rows in SQLite, run folders moved to <data folder>/trash/) until they are restored,
// expire or are emptied. JSON-plain: the same over IPC, HTTP and the CLI.
import type { RunStatus } from './api';

/** Days a deleted item stays in the trash; the service empties older entries when it opens. */
export const TRASH_DAYS = 7;

export interface DeleteRunItem { id: string; name: string; kind: string; status: RunStatus; /** why it goes too */ why: string }
export interface DeleteStudyItem { id: string; name: string; why: string }

export interface DeletePlan {
  target: { type: 'run' | 'study'; id: string; name: string };
  /** Deleted as the target itself: the run, or the study's own runs. */
  runs: DeleteRunItem[];
  /** What depends on the target and would be left pointing at nothing: deleted too only on request. */
  dependents: {
    /** Runs whose inputs name a deleted run (not exports: those are listed under `exports`). */
    runs: DeleteRunItem[];
    /** Studies a deleted run belongs to (deleted with all their runs). */
    studies: DeleteStudyItem[];
    /** Export runs made from a deleted run; the files they wrote stay where they are. */
    exports: (DeleteRunItem & { dir: string })[];
  };
  /** Why nothing can be deleted now (a queued or running run among them), else null. */
  blocked: string | null;
}

export interface DeleteOptions {
  /** Delete what depends on the target too (without it, a target with dependents is refused). */
  withDependents?: boolean;
  /** Delete for good, freeing the space at once, instead of moving to the trash. */
  now?: boolean;
}

export interface TrashEntry {
  id: string;
  /** What was deleted, in words (the target and how many dependents). */
  label: string;
  deletedAt: number;
  /** When the service will empty it for good. */
  expiresAt: number;
  runs: { id: string; name: string; kind: string }[];
  studies: { id: string; name: string }[];
}

export interface DeleteResult {
  /** The trash entry that can be restored; null when deleted for good (`now`). */
  trash: TrashEntry | null;
  runs: string[];
  studies: string[];
}
