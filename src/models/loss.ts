// Classification loss as transformers computes it for single_label_classification: torch's CrossEntropyLoss
// (log-softmax, then the mean negative log-likelihood of the true class; labels of -100 are ignored).
import { tf } from "../backends/tf";

export const IGNORE_INDEX = -100;

/**
 * Mean cross-entropy of `logits` [batch, numLabels] against integer class `labels` [batch] (rows labelled
 * -100 are left out of the mean, as torch's ignore_index). Returns a scalar tensor.
 */
export function computeLoss(logits: tf.Tensor, labels: tf.Tensor | ArrayLike<number>): tf.Scalar {
  return tf.tidy(() => {
    if (logits.rank !== 2) throw new Error(`computeLoss: logits must be [batch, numLabels], got [${logits.shape.join(", ")}]`);
    const [batch, numLabels] = logits.shape;
    const lab = labels instanceof tf.Tensor ? labels : tf.tensor1d(Array.from(labels), "int32");
    if (lab.size !== batch) throw new Error(`computeLoss: ${lab.size} labels for ${batch} rows of logits`);
    const labInt = tf.reshape(lab.dtype === "int32" ? lab : tf.cast(lab, "int32"), [batch]);
    const logp = tf.logSoftmax(logits, -1);
    const oneHot = tf.oneHot(labInt, numLabels); // a row of zeros for -100
    const picked = tf.sum(tf.mul(logp, oneHot), -1);
    const valid = tf.cast(tf.notEqual(labInt, IGNORE_INDEX), "float32");
    const count = tf.sum(valid);
    return tf.div(tf.neg(tf.sum(picked)), count) as tf.Scalar;
  });
}
