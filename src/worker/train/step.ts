// One optimisation step for a model of any family (models/family.ts): a classifier on feature
// batches, a decoder on token windows. The batch becomes inputs x and integer targets y with one
// target per logits row (train/batch.ts); the objective is the one cross-entropy (train/loss.ts).
//
// How to reuse (training, group lasso, distillation, recovery after pruning):
//
//   const opt = createOptimizer(spec.optimizer, model.params());
//   const loss = trainStep(model, opt, batch, {
//     ceWeight: 1,                                   // α for distillation (α·CE + …)
//     extraLoss: ({ x, logits }) => penalty(...),    // built inside the tape: its gradient counts
//     teacher,                                       // distillation: its logits reach extraLoss
//     gradClip: 1.0,                                 // global-norm clip (0 = off)
//     afterStep: () => model.applyMasks(),           // e.g. re-zero masked weights
//     keepLoss: step % every === 0,                  // read the loss back only at metric boundaries
//   });
//   if (loss) { const [total, ce] = await readLoss(loss); }
//
// The objective is ceWeight · mean softmax cross-entropy (nats) + extraLoss. Everything inside runs
// in tf.tidy; the only tensors that survive are the returned loss scalars (when keepLoss).
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Variable } from '../engine/tf';
import type { ForwardOptions } from '../models/family';
import { batchTensors, type StepBatch } from './batch';
import { clipByGlobalNorm } from './clip';
import { crossEntropy } from './loss';
import type { Optimizer } from './optimizers';

type Scalar = tf.Scalar;

export { batchTensors, type StepBatch } from './batch';

/** What a step needs of a model (every family's model, models/family.ts FamilyModel, has it):
 *  its trainable variables and a forward pass to logits. */
export interface Trainable {
  params(): Variable[];
  forward(x: Tensor2D, opts?: ForwardOptions): Tensor2D;
}

/** Tensors an extra loss term may read: the batch, the model's logits on it, and the teacher's
 *  logits when the step has a teacher (constants: computed outside the gradient tape). */
export interface LossInputs { x: Tensor2D; y: Tensor1D; logits: Tensor2D; teacherLogits?: Tensor2D }

export interface StepOptions {
  /** Weight of the cross-entropy term (default 1; distillation uses α, 0 drops it). */
  ceWeight?: number;
  /** Extra objective term, computed inside the gradient tape (group-lasso penalty, KD loss). */
  extraLoss?: (inp: LossInputs) => Scalar;
  /** Distillation teacher: its logits on the batch reach extraLoss as teacherLogits. Its
   *  variables are not the optimizer's, so no gradient reaches them. */
  teacher?: Pick<Trainable, 'forward'>;
  /** Clip the global gradient norm to this value; 0 or absent = off. */
  gradClip?: number;
  /** Runs after the optimizer update, outside the tape (re-apply masks, project weights). */
  afterStep?: () => void;
  /** Return the loss scalars (the caller disposes them); otherwise nothing survives the step. */
  keepLoss?: boolean;
  /** Seed for dropout masks, when the model uses dropout. */
  dropoutSeed?: number;
}

/** Loss tensors of one step, in nats: total objective and its cross-entropy part (unweighted). */
export interface StepLoss { total: Scalar; ce: Scalar }

/** One update of `model` by `optimizer` on `batch`. Returns the loss tensors when keepLoss. */
export function trainStep(model: Trainable, optimizer: Optimizer, batch: StepBatch, opts: StepOptions = {}): StepLoss | null {
  const vars = optimizer.vars;
  const ceWeight = opts.ceWeight ?? 1;
  const losses = tf.tidy(() => {
    const { x, y } = batchTensors(batch);
    // teacher logits are constants: computed outside the differentiated function
    const teacherLogits = opts.teacher ? opts.teacher.forward(x) : undefined; // [N, classes]
    let ce: Scalar | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.forward(x, { training: true, dropoutSeed: opts.dropoutSeed }); // [N, classes]
      // kept: the tape's forward scope would dispose it otherwise; released below unless returned
      ce = tf.keep(crossEntropy(logits, y));
      let total: Scalar = ceWeight === 1 ? ce : (tf.mul(ce, ceWeight) as Scalar);
      if (opts.extraLoss) total = tf.add(total, opts.extraLoss({ x, y, logits, teacherLogits })) as Scalar;
      return total;
    }, vars as Variable[]);
    const ordered = vars.map((v) => {
      const g = grads[v.name];
      // A variable the loss does not touch gets a zero gradient (e.g. a fully masked layer).
      return g ?? tf.zerosLike(v);
    });
    const clipped = clipByGlobalNorm(ordered, opts.gradClip ?? 0);
    optimizer.apply(clipped);
    return { total: value, ce: ce! as Scalar };
  });
  opts.afterStep?.();
  if (opts.keepLoss) return losses;
  losses.total.dispose();
  losses.ce.dispose();
  return null;
}

/** Read back a step's losses (nats) and dispose them. */
export async function readLoss(loss: StepLoss): Promise<{ total: number; ce: number }> {
  const [total, ce] = await Promise.all([loss.total.data(), loss.ce.data()]);
  loss.total.dispose();
  loss.ce.dispose();
  return { total: total[0], ce: ce[0] };
}

/** Dispose a set of tensors (helper for callers that hold several). */
export function disposeAll(ts: readonly (Tensor | null | undefined)[]): void {
  for (const t of ts) t?.dispose();
}
