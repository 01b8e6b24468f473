// Measurements that explain where Whittle's numbers and the paper's part ways (issue #22), as the
// report prints them under each result. Written from the measurement files in
// docs/reproduce/measurements/ (each names the commands that produced it; 2 AMD EPYC cores shared
// with other sessions, load average 8–15, 2026-12-06); the verdicts themselves are never taken from here.
export const EVIDENCE: Record<string, string> = {
  nonlocality: [
    'The CPU-scale recipe used to train its source model with 64 samples per skill per step (Adam 2e-3, 4,500 steps) and relearn for 200 steps; its unregularised removed skill relearned only by luck. Measured (`docs/reproduce/measurements/nonlocality-relearn.json`):',
    '',
    '- **Relearn steps and batch are not the cause.** With 1,000 relearn steps (the paper\'s) the removed skill [3,4,5] reached 0.49 (seed 0) and 0.90 (seed 1) at 50 % sparsity, 0.51 / 0.48 at 80 %; with batch 1,000 instead of 512, seed 0 stayed at 0.52; training the same source 20,000 steps instead of 4,500 left it at 0.50.',
    '- **That source was already modular.** Right after pruning at 50 % without group lasso it kept the kept skill at 0.97–1.00 (the reference-trained model: 0.88 for seed 1, 0.75 for seed 0 in the issue\'s run): pruning for [0,1,2] removed the units [3,4,5] lived in, leaving nothing to relearn from.',
    '- **The reference\'s training shows the contrast.** Trained as the reference does (256 samples per skill per step, Adam 1e-3, 20,000 steps), seed 1 relearned the removed skill to 0.96 / 0.75 / 0.61 at 50 / 70 / 80 % without group lasso and stayed at 0.51 / 0.50 / 0.52 after group lasso (the issue\'s seed 0: 0.86–0.88 vs chance). Its batch and learning rate with only 4,500 steps did not learn the composite at all. So the CPU-scale recipe now trains its source as the reference does and trims the sweep to four sparsities (one seed 1 min 51 s – 2 min 22 s on 2 shared cores at load average 5–7; 7.5 min at load 11). In the report\'s 3 seeds the unregularised removed skill relearns to 0.86 / 0.96 / 0.83 at 50 % and 0.79 / 0.73 / 0.66 at 70 %, against 0.48–0.52 after group lasso in every seed at every sparsity: the contrast holds in every seed. It fades by 80–90 % (too few units left to relearn with), which is why the row\'s mean over ≤ 80 % (0.74) sits below the paper\'s ≈ 1.0.',
  ].join('\n'),
  'frontier-fashion': [
    'Distillation vs scratch, measured over 5 seeds with only those two arms (`docs/reproduce/measurements/distill-vs-scratch-fashion.json`):',
    '',
    '- **Same counting, same start.** Both arms are the same job (scratch is α = 1): same student initialisation and data order for a seed, samples = steps × batch 64 for both, the same evaluation every 100 steps (6,400 samples — the resolution of every "samples to target" here, 7–20 % of the values).',
    '- **Settings are the paper\'s** (α = 0.1, T = 20, SGD 0.01 momentum 0.9, batch 64; scratch Adam 5e-3). Distillation with scratch\'s Adam 5e-3 instead: scratch ÷ distillation 1.09 ± 0.12 over 4 seeds (SGD: 1.13 ± 0.39 over 5) — the optimiser is not what holds it back.',
    '- **The teacher is barely above the target.** The CPU-scale teacher (784→256→256→10, 3,000 steps) classifies footwear at 0.946–0.956 against a 0.94 target. Seeds whose teacher reached ≥ 0.953 (0, 2, 4) have distillation ahead (scratch ÷ distillation 1.58, 1.04, 1.44); the two whose teacher stopped at 0.946–0.947 have it behind (0.94, 0.63).',
    '- **Noise.** Over the 5 seeds scratch ÷ distillation = 1.13 ± 0.39 there (1.10 ± 0.36 in this report\'s runs of the same seeds, whose seeds 3 and 4 came out a few per cent apart from that measurement\'s): its 95 % interval (≈ 0.79–1.47) holds both "no advantage" and the paper\'s 1.2–1.5×; telling them apart needs a teacher well above the target (the paper\'s MNIST teacher, 1200×1200, or a lower target) and more seeds (the paper averages 10 and 50 runs).',
  ].join('\n'),
  'frontier-cmsp': [
    'Why only pruning reached 97 % on CMSP (`docs/reproduce/measurements/compare-cmsp-budgets.json`, seed 0): every arm had 1,500 steps × 64 = 96k samples. At 64 hidden units attribution pruning reached the target at 97k samples (score samples included), distillation stopped at 0.78 and scratch at chance (0.50). With 10× the budget distillation reached 97 % at **240k samples** (2.5× pruning), and scratch was still at chance (0.47) after **960k**: trained on the composite [0,1,2] alone it is the curriculum study\'s *narrow* regime, which the paper finds never learns the composite (Fig. 2). The recipe now gives every arm 6,000 steps (384k samples), so distillation reaches the target and scratch\'s ratio is a lower bound (≥).',
  ].join('\n'),
  'lm-frontier': [
    'Scratch and distillation did not reach the target loss within their budget (300 steps × 16 windows × 64 tokens = 307k tokens) at either size, so the ratios are lower bounds: ≥ 10× at 256 neurons and ≥ 75× at 1,024 (`docs/reproduce/measurements/lm-compare-cpu.json`; the whole study took 19 min at load average 10). A bound above the paper\'s 5–15× band reads "agrees in ordering only": Whittle\'s advantage is at least the paper\'s, and its size is set by the budget, not measured.',
  ].join('\n'),
};
