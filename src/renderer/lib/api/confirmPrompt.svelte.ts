// The question a view asks before starting something the API estimates as large: one pending
// question at a time, answered by the person through LargeSpecConfirm.svelte.
import type { AskConfirm } from './confirm';

export class ConfirmPrompt {
  /** The question on screen, or null. */
  pending = $state<{ message: string; answer: (yes: boolean) => void } | null>(null);

  /** createConfirmed's `ask`: shows `message` and resolves with the person's answer. */
  ask: AskConfirm = (message) => new Promise<boolean>((resolve) => {
    this.pending?.answer(false); // a newer question replaces an unanswered one, which counts as "no"
    this.pending = { message, answer: (yes) => { this.pending = null; resolve(yes); } };
  });
}
