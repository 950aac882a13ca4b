package io.distillery.core.train;

import java.util.function.BiFunction;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What a {@link Loss} may use: the model's logits, one-hot labels, and extra float columns of the batch
 * by name (each becomes a placeholder the trainer feeds from the Arrow batch column of that name), and
 * which rows have a label at all.
 */
public final class LossInputs {
    private final Operand<TFloat32> logits;
    private final Operand<TFloat32> oneHotLabels;
    private final Operand<TFloat32> labelled;
    private final BiFunction<String, Integer, Operand<TFloat32>> columns;

    LossInputs(
            Operand<TFloat32> logits,
            Operand<TFloat32> oneHotLabels,
            Operand<TFloat32> labelled,
            BiFunction<String, Integer, Operand<TFloat32>> columns) {
        this.logits = logits;
        this.oneHotLabels = oneHotLabels;
        this.labelled = labelled;
        this.columns = columns;
    }

    public Operand<TFloat32> logits() {
        return logits;
    }

    public Operand<TFloat32> oneHotLabels() {
        return oneHotLabels;
    }

    /** {@code [batch]}: 1 for a row with a label, 0 for an unlabeled one (label -1, teacher's targets only). */
    public Operand<TFloat32> labelled() {
        return labelled;
    }

    /** A {@code [batch, width]} float column of the batch, e.g. a teacher's logits. */
    public Operand<TFloat32> column(String name, int width) {
        return columns.apply(name, width);
    }
}
