// Classification losses the compression code differentiates: cross-entropy per sample and mean.
// Natural log (nats); metrics convert to bits where they report.
import { tf, type Tensor1D, type Tensor2D } from '../engine/tf';

/** logits [B, C], labels [B] int32 → ℓ_i = −log softmax(logits_i)[y_i], [B] in nats. */
export function perSampleCrossEntropy(logits: Tensor2D, labels: Tensor1D): Tensor1D {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits); // [B, C]
    const onehot = tf.oneHot(tf.cast(labels, 'int32') as Tensor1D, logits.shape[1]); // [B, C]
    return tf.neg(tf.sum(tf.mul(onehot, logp), 1)) as Tensor1D;
  });
}

/** Mean cross-entropy over the batch (a scalar, nats). */
export function crossEntropy(logits: Tensor2D, labels: Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(perSampleCrossEntropy(logits, labels)) as tf.Scalar);
}
