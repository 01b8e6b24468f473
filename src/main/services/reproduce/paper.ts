// The paper's values the reproduction report compares against: Michaud, Parker-Sartori, Tegmark,
// "On the creation of narrow AI" (arXiv 2505.15811, 2025), as ../shared/METHODS.md records them.
// One typed table, one file: every number the report calls "the paper's" comes from here.

/** What counts as agreeing with a paper value: Whittle's mean (or bound) inside [lo, hi]. */
export interface Band { lo: number; hi: number }

export interface PaperValue {
  /** The claim in words, as the report prints it. */
  claim: string;
  /** The paper's number, where it gives one (null: a qualitative claim; the band states our reading). */
  value: number | null;
  /** How the report prints the paper's value. */
  shown: string;
  /** Whittle agrees when its value lies in this band (chosen from the paper's value, stated in the report). */
  band: Band;
  /** Where the value comes from. */
  cite: string;
}

export const PAPER = {
  curriculumBroad: {
    claim: 'broad data (atomic skills + composite): fraction of seeds that learn the composite parity',
    value: 27 / 40, shown: '27 of 40 seeds (0.68) by 200k steps',
    band: { lo: 0.5, hi: 1 },
    cite: 'Fig. 2; METHODS.md §1 (broad: "27 of 40 seeds by 200k")',
  },
  curriculumNarrow: {
    claim: 'narrow data only: fraction of seeds that learn the composite parity',
    value: 0, shown: '0 of 40 seeds in 1M steps',
    band: { lo: 0, hi: 0 },
    cite: 'Fig. 2; METHODS.md §1 (narrow: "stays at chance (1 bit) for 1M steps in 40 of 40 seeds")',
  },
  nonlocalityKept: {
    claim: 'kept skill right after pruning: accuracy with group lasso minus without (unregularised skills are not local)',
    value: null, shown: 'group lasso survives pruning to high sparsity; without it the kept skill degrades early',
    band: { lo: 0.05, hi: 1 },
    cite: 'Fig. 3; METHODS.md §2 ("without regularisation the kept skill degrades early … after group lasso … survives pruning to high sparsity")',
  },
  nonlocalityRelearnPlain: {
    claim: 'removed skill after 1,000 relearn steps, no regularisation: accuracy (it comes back)',
    value: 1, shown: '≈ 1.0 (relearns)',
    band: { lo: 0.8, hi: 1 },
    cite: 'Fig. 3; METHODS.md §2 ("without regularisation … the removed skill comes back after recovery")',
  },
  nonlocalityRelearnLasso: {
    claim: 'removed skill after relearn, after group lasso: accuracy (stays at chance)',
    value: 0.5, shown: '≈ 0.5 (chance)',
    band: { lo: 0, hi: 0.65 },
    cite: 'Fig. 3; METHODS.md §2 ("the removed one stays at chance even after recovery")',
  },
  frontierPruneVsScratch: {
    claim: 'samples to the target near the teacher\'s size: scratch ÷ best pruning route',
    value: null, shown: 'several times fewer samples for pruning (≥ 2×)',
    band: { lo: 2, hi: Infinity },
    cite: 'Fig. 4; METHODS.md §3 ("near the teacher\'s size both pruning routes need several times fewer samples than distillation or scratch")',
  },
  frontierDistillVsScratch: {
    claim: 'samples to the target: scratch ÷ distillation',
    value: 1.35, shown: '1.2–1.5× (distillation ahead of scratch, modestly)',
    band: { lo: 1.1, hi: 2 },
    cite: 'Fig. 4 (MNIST); METHODS.md §3 ("distillation beats scratch modestly"); issue #22 reads 1.2–1.5× off the figure',
  },
  lmPruneVsScratch: {
    claim: 'tokens to the target loss: scratch ÷ pruning + recovery',
    value: 10, shown: '5–15×',
    band: { lo: 5, hi: 15 },
    cite: 'Fig. 6; METHODS.md §4 ("pruning + recovery reached the target with 5–15× fewer tokens than training from scratch or distillation")',
  },
  lmPruneVsDistill: {
    claim: 'tokens to the target loss: distillation ÷ pruning + recovery',
    value: 10, shown: '5–15×',
    band: { lo: 5, hi: 15 },
    cite: 'Fig. 6; METHODS.md §4 (same sentence: distillation α=0.5, T=2)',
  },
} as const satisfies Record<string, PaperValue>;

export type PaperKey = keyof typeof PAPER;
