// "Learned" per skill (METHODS.md §1): the sliding minimum of the skill's evaluated loss over the
// last `window` steps falls below `thresholdBits`. The first step where that holds is stepsToLearn;
// samplesToLearn is the number of training samples (all skills together) seen by then.

export interface LearnedConfig { thresholdBits: number; window: number }
export const DEFAULT_LEARNED: LearnedConfig = { thresholdBits: 0.1, window: 100 };

export interface LearnedEntry { step: number; samples: number }
export interface LearnedState { history: Record<string, [step: number, lossBits: number][]>; learned: Record<string, LearnedEntry | null> }

export class LearnedTracker {
  private history = new Map<string, [number, number][]>();
  private learnedAt = new Map<string, LearnedEntry | null>();

  constructor(readonly keys: readonly string[], readonly cfg: LearnedConfig = DEFAULT_LEARNED) {
    for (const k of keys) { this.history.set(k, []); this.learnedAt.set(k, null); }
  }

  /** Record an evaluation of skill `key` at `step`, after `samples` training samples. */
  observe(key: string, step: number, lossBits: number, samples: number): void {
    const h = this.history.get(key);
    if (!h) throw new Error(`learned tracker: unknown skill ${key}`);
    h.push([step, lossBits]);
    // keep only the evaluations inside the window ending at `step`
    while (h.length && h[0][0] <= step - this.cfg.window) h.shift();
    if (this.learnedAt.get(key)) return;
    const min = h.reduce((m, [, l]) => Math.min(m, l), Infinity);
    if (min < this.cfg.thresholdBits) this.learnedAt.set(key, { step, samples });
  }

  /** Sliding-window minimum loss (bits) of `key`, or null before the first evaluation. */
  windowMin(key: string): number | null {
    const h = this.history.get(key) ?? [];
    return h.length ? h.reduce((m, [, l]) => Math.min(m, l), Infinity) : null;
  }

  learned(key: string): LearnedEntry | null { return this.learnedAt.get(key) ?? null; }

  stepsToLearn(): Record<string, number | null> {
    return Object.fromEntries(this.keys.map((k) => [k, this.learnedAt.get(k)?.step ?? null]));
  }

  samplesToLearn(): Record<string, number | null> {
    return Object.fromEntries(this.keys.map((k) => [k, this.learnedAt.get(k)?.samples ?? null]));
  }

  getState(): LearnedState {
    return {
      history: Object.fromEntries([...this.history].map(([k, h]) => [k, h.map((e) => [...e] as [number, number])])),
      learned: Object.fromEntries(this.learnedAt),
    };
  }

  setState(s: LearnedState): void {
    for (const k of this.keys) {
      this.history.set(k, (s.history[k] ?? []).map((e) => [...e] as [number, number]));
      this.learnedAt.set(k, s.learned[k] ?? null);
    }
  }
}
