// The one cross-entropy every family trains, evaluates, scores and distils with: logits
// [N, classes] against integer targets [N] (N = batch for a classifier, B·T tokens for a decoder).
// Natural log (nats); metrics convert to bits where they report.
import { softmaxCrossEntropy } from '../engine/kernels';
import { tf, type Tensor1D, type Tensor2D } from '../engine/tf';

/** Per-row softmax cross-entropy in nats: logits [N, classes], labels int32 [N] → [N]. */
export function crossEntropyPerSample(logits: Tensor2D, labels: Tensor1D): Tensor1D {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits); // [N, classes]
    const onehot = tf.oneHot(labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32') as Tensor1D, logits.shape[1]); // [N, classes]
    return tf.neg(tf.sum(tf.mul(logp, onehot), 1)) as Tensor1D; // [N]
  });
}

/** Mean softmax cross-entropy in nats (one fused kernel where the backend has it; elsewhere
 *  the same composition as crossEntropyPerSample, averaged). */
export function crossEntropy(logits: Tensor2D, labels: Tensor1D): tf.Scalar {
  return softmaxCrossEntropy(logits, labels);
}
