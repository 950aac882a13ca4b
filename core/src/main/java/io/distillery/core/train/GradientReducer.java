package io.distillery.core.train;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * How one worker's gradients become the gradients every worker applies. The trainer hands over all
 * gradients fused into one flat vector, so a data-parallel reducer does a single all-reduce per step.
 */
public interface GradientReducer {

    /** Returns the averaged gradients, same shape as {@code flatGradients}. */
    Operand<TFloat32> reduce(Ops tf, Operand<TFloat32> flatGradients);

    /** Whether this reducer is the single-worker identity (the trainer then skips fusion). */
    default boolean isLocal() {
        return false;
    }

    /** One worker: gradients are applied as computed. */
    GradientReducer LOCAL = new GradientReducer() {
        @Override
        public Operand<TFloat32> reduce(Ops tf, Operand<TFloat32> flatGradients) {
            return flatGradients;
        }

        @Override
        public boolean isLocal() {
            return true;
        }
    };
}
