package io.distillery.core.train;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A training objective: a stateless function of the student's logits, the labels and any extra batch
 * columns it asks for, returning the mean loss over the batch (a scalar).
 */
@FunctionalInterface
public interface Loss {

    Operand<TFloat32> build(Ops tf, LossInputs inputs);

    /** Plain softmax cross-entropy against one-hot labels. */
    static Loss crossEntropy() {
        return (tf, in) -> crossEntropy(tf, in.logits(), in.oneHotLabels(), in.labelled());
    }

    /** Mean softmax cross-entropy of {@code logits} against the distributions {@code targets}. */
    static Operand<TFloat32> crossEntropy(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> targets) {
        return tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, targets).loss(), tf.constant(0));
    }

    /**
     * Softmax cross-entropy of {@code logits} against the distributions {@code targets}, per row times
     * {@code labelled} (0 for a row without a label), averaged over the whole batch. The mask must act
     * on the loss, not on the targets: TensorFlow's gradient of this op is {@code softmax − targets},
     * which is not 0 for an all-zero target row.
     */
    static Operand<TFloat32> crossEntropy(
            Ops tf, Operand<TFloat32> logits, Operand<TFloat32> targets, Operand<TFloat32> labelled) {
        Operand<TFloat32> perRow =
                tf.nn.softmaxCrossEntropyWithLogits(logits, targets).loss();
        return tf.math.mean(tf.math.mul(perRow, labelled), tf.constant(0));
    }
}
