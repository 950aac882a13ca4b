package io.distillery.jobs.spark;

import io.distillery.core.train.GradientReducer;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.tensorflow.Session;

/**
 * Runs a {@link StageTask} as a Spark job over partitions already split one per worker, and returns
 * rank 0's result.
 */
public final class StageRunner {
  private StageRunner() {}

  public static StageResult run(JavaRDD<InternalRow> partitions, StageRequest request) {
    int workers = partitions.getNumPartitions();
    if (workers != 1) {
      throw new IllegalArgumentException(
          "stage " + request.stage() + ": the local runner trains on exactly one partition, found " + workers);
    }
    List<StageResult> results = partitions.mapPartitionsWithIndex(new LocalTask(request), false).collect();
    return results.stream()
        .filter(r -> r.rank() == 0)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("stage " + request.stage() + ": no result from rank 0"));
  }

  /** One worker: gradients applied as computed, a plain local session. */
  static final class LocalTask implements Function2<Integer, Iterator<InternalRow>, Iterator<StageResult>> {
    private final StageRequest request;

    LocalTask(StageRequest request) {
      this.request = request;
    }

    @Override
    public Iterator<StageResult> call(Integer index, Iterator<InternalRow> rows) {
      StageResult r = new StageTask(request).run(index, rows, GradientReducer.LOCAL, Session::new);
      return List.of(r).iterator();
    }
  }
}
