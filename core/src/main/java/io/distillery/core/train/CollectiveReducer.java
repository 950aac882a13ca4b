package io.distillery.core.train;

import java.util.concurrent.atomic.AtomicLong;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.OperationBuilder;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Averages gradients across the workers of a group with TensorFlow's collective runtime: one
 * {@code CollectiveReduce} (V1) op, merge {@code Add}, final {@code Div} (the mean), on the fused
 * gradient vector. The op is built by name with {@code opBuilder}: the typed
 * {@code tf.collective.collectiveReduce} of TF Java 1.1.0 is the V3 op, which crashes the JVM.
 *
 * <p>Every worker builds the same graph in the same order, so the instance keys (one per all-reduce
 * op, drawn from a counter every worker of the group holds at the same value) match across workers
 * without coordination. A TF server caches each instance's shape for its lifetime, so a key is never
 * used twice on one server: that is why the counter belongs to the server ({@link
 * CollectiveWorker#reducer()}), which later stages reuse.
 *
 * <p>The op's own {@code timeout_seconds} is left at 0 on purpose. TensorFlow (2.18) arms it with
 * {@code Env::SchedClosureAfter}, which on POSIX starts a detached thread that sleeps for the whole
 * timeout: one new native thread per all-reduce, alive for minutes, so a long run reaches the
 * process's thread limit and aborts. The session's {@code operation_timeout_in_ms} bounds a step that
 * waits for a lost peer just the same ({@code CollectiveWorker.config}), with no thread per step.
 */
public final class CollectiveReducer implements GradientReducer {
    /** The TensorFlow op type. */
    public static final String OP_TYPE = "CollectiveReduce";

    private final int groupSize;
    private final long groupKey;
    private final AtomicLong instanceKeys;

    /**
     * @param groupSize the number of workers; every one of them must run the op
     * @param groupKey identifies the group (the same on every worker)
     * @param instanceKeys the next instance key; each all-reduce op this reducer builds takes one
     */
    public CollectiveReducer(int groupSize, long groupKey, AtomicLong instanceKeys) {
        if (groupSize < 1) {
            throw new IllegalArgumentException("group size must be >= 1, found " + groupSize);
        }
        this.groupSize = groupSize;
        this.groupKey = groupKey;
        this.instanceKeys = instanceKeys;
    }

    public int groupSize() {
        return groupSize;
    }

    @Override
    public Operand<TFloat32> reduce(Ops tf, Operand<TFloat32> flatGradients) {
        OperationBuilder builder = tf.scope().opBuilder(OP_TYPE, "all_reduce");
        builder.addInput(flatGradients.asOutput());
        builder.setAttr("group_size", (long) groupSize);
        builder.setAttr("group_key", groupKey);
        builder.setAttr("instance_key", instanceKeys.getAndIncrement());
        builder.setAttr("merge_op", "Add");
        builder.setAttr("final_op", "Div");
        builder.setAttr("subdiv_offsets", new long[] {0});
        builder.setAttr("timeout_seconds", 0f);
        Operation op = builder.build();
        return op.output(0);
    }
}
