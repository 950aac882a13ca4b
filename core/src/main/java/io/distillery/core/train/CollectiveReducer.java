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
 * op, counted from {@code firstInstanceKey}) match across workers without coordination.
 */
public final class CollectiveReducer implements GradientReducer {
  /** The TensorFlow op type. */
  public static final String OP_TYPE = "CollectiveReduce";

  private final int groupSize;
  private final long groupKey;
  private final AtomicLong nextInstanceKey;
  private final float timeoutSeconds;

  /**
   * @param groupSize the number of workers; every one of them must run the op
   * @param groupKey identifies the group (the same on every worker)
   * @param firstInstanceKey instance key of the first all-reduce op this reducer builds
   * @param timeoutSeconds how long an all-reduce waits for its peers (0: no limit of its own; the
   *     session's {@code operation_timeout_in_ms} still applies)
   */
  public CollectiveReducer(int groupSize, long groupKey, long firstInstanceKey, float timeoutSeconds) {
    if (groupSize < 1) {
      throw new IllegalArgumentException("group size must be >= 1, found " + groupSize);
    }
    if (!(timeoutSeconds >= 0)) {
      throw new IllegalArgumentException("timeout must be >= 0 seconds, found " + timeoutSeconds);
    }
    this.groupSize = groupSize;
    this.groupKey = groupKey;
    this.nextInstanceKey = new AtomicLong(firstInstanceKey);
    this.timeoutSeconds = timeoutSeconds;
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
    builder.setAttr("instance_key", nextInstanceKey.getAndIncrement());
    builder.setAttr("merge_op", "Add");
    builder.setAttr("final_op", "Div");
    builder.setAttr("subdiv_offsets", new long[] {0});
    builder.setAttr("timeout_seconds", timeoutSeconds);
    Operation op = builder.build();
    return op.output(0);
  }
}
