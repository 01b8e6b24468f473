// Knowledge distillation loss (Hinton et al.): α·CE(student, y) + (1−α)·T²·KL(p_T ‖ p_S), where
// p_T = softmax(teacher/T), p_S = softmax(student/T) and KL is averaged over the batch
// (PyTorch's reduction='batchmean'). T² keeps the soft-target gradients' scale independent of T.
import { tf, type Tensor1D, type Tensor2D } from '../engine/tf';
import { crossEntropy } from '../train/loss';
import type { StepOptions, Trainable } from '../train/step';

export interface KdOptions {
  /** weight of the hard-label cross-entropy (METHODS §3: 0.1; §4: 0.5) */
  alpha: number;
  /** softmax temperature (METHODS §3: 20; §4: 2) */
  temperature: number;
}

/** KL(softmax(t/T) ‖ softmax(s/T)) averaged over the batch: a scalar, nats. */
export function softKl(student: Tensor2D, teacher: Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(tf.div(teacher, temperature)); // [B, C]
    const logPs = tf.logSoftmax(tf.div(student, temperature)); // [B, C]
    const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 1); // [B]
    return tf.mean(kl) as tf.Scalar;
  });
}

/** The distillation objective. `teacher` logits are constants (no gradient flows into them). */
export function kdLoss(student: Tensor2D, teacher: Tensor2D, labels: Tensor1D, o: KdOptions): tf.Scalar {
  return tf.tidy(() => {
    // Teacher logits must be computed outside the differentiated function (tfjs has no
    // stopGradient); then they are constants to tf.grads.
    const ce = crossEntropy(student, labels);
    const kl = softKl(student, teacher, o.temperature);
    return tf.add(tf.mul(ce, o.alpha), tf.mul(kl, (1 - o.alpha) * o.temperature * o.temperature)) as tf.Scalar;
  });
}

/** The train-step options (train/step.ts) that make one step a distillation step: α·CE through
 *  ceWeight plus (1−α)·T²·KL(teacher‖student) on the teacher's logits, which the step computes
 *  outside the gradient tape. This is kdLoss's objective, for every family's step. */
export function distillStepOptions(teacher: Pick<Trainable, 'forward'>, o: KdOptions): Pick<StepOptions, 'ceWeight' | 'teacher' | 'extraLoss'> {
  const c = (1 - o.alpha) * o.temperature * o.temperature;
  return {
    ceWeight: o.alpha,
    teacher,
    extraLoss: ({ logits, teacherLogits }) => tf.mul(softKl(logits, teacherLogits!, o.temperature), c) as tf.Scalar,
  };
}
