package io.distillery.distill;

import io.distillery.core.data.Columns;
import io.distillery.core.train.Loss;
import io.distillery.core.train.LossInputs;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Knowledge distillation (Hinton, Vinyals, Dean 2015):
 *
 * <pre>
 *   loss = α · CE(y, softmax(s)) + (1 − α) · T² · KL(softmax(t / T) ‖ softmax(s / T))
 * </pre>
 *
 * with {@code s} the student's logits, {@code t} the teacher's (fed as the batch column {@value
 * Columns#TEACHER_LOGITS}, so the teacher never runs in the student's graph) and {@code T} the
 * temperature. The T² factor keeps the soft term's gradients on the same scale as the hard term's
 * when T changes. Stateless: a pure function of its inputs.
 *
 * @param alpha weight of the hard-label term, in [0, 1]; 1 is plain cross-entropy
 * @param temperature softening temperature, > 0
 */
public record DistillationLoss(double alpha, double temperature, int numClasses) implements Loss {

    public DistillationLoss {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("distill.alpha must be in [0, 1], found " + alpha);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("distill.temperature must be > 0, found " + temperature);
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("num_classes must be >= 2, found " + numClasses);
        }
    }

    @Override
    public Operand<TFloat32> build(Ops tf, LossInputs in) {
        return loss(
                tf,
                in.logits(),
                in.oneHotLabels(),
                in.labelled(),
                in.column(Columns.TEACHER_LOGITS, numClasses),
                alpha,
                temperature);
    }

    /** The loss as a graph function of its inputs, every row labelled; mean over the batch. */
    public static Operand<TFloat32> loss(
            Ops tf,
            Operand<TFloat32> studentLogits,
            Operand<TFloat32> oneHotLabels,
            Operand<TFloat32> teacherLogits,
            double alpha,
            double temperature) {
        return loss(tf, studentLogits, oneHotLabels, null, teacherLogits, alpha, temperature);
    }

    /**
     * The loss as a graph function of its inputs; mean over the batch. A row whose {@code labelled} is 0
     * (unlabeled data) adds only the soft term: the teacher is its only target.
     *
     * @param labelled {@code [batch]} 1 or 0 per row; null when every row is labelled
     */
    public static Operand<TFloat32> loss(
            Ops tf,
            Operand<TFloat32> studentLogits,
            Operand<TFloat32> oneHotLabels,
            Operand<TFloat32> labelled,
            Operand<TFloat32> teacherLogits,
            double alpha,
            double temperature) {
        Operand<TFloat32> hard = labelled == null
                ? Loss.crossEntropy(tf, studentLogits, oneHotLabels)
                : Loss.crossEntropy(tf, studentLogits, oneHotLabels, labelled);
        Operand<TFloat32> invT = tf.constant((float) (1 / temperature));
        Operand<TFloat32> teacherScaled = tf.math.mul(tf.stopGradient(teacherLogits), invT);
        Operand<TFloat32> studentScaled = tf.math.mul(studentLogits, invT);
        Operand<TFloat32> p = tf.nn.softmax(teacherScaled);
        // KL(p ‖ q) = Σ p · (log p − log q), with log-softmax for numerical stability.
        Operand<TFloat32> kl = tf.reduceSum(
                tf.math.mul(p, tf.math.sub(tf.nn.logSoftmax(teacherScaled), tf.nn.logSoftmax(studentScaled))),
                tf.constant(1));
        Operand<TFloat32> soft = tf.math.mean(kl, tf.constant(0));
        return tf.math.add(
                tf.math.mul(tf.constant((float) alpha), hard),
                tf.math.mul(tf.constant((float) ((1 - alpha) * temperature * temperature)), soft));
    }
}
