package io.distillery.jobs.spark;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import io.distillery.core.train.Replica;
import io.distillery.stage.StageBody;
import io.distillery.stage.StageResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.function.Supplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The Spark side of one training task: its partition's rows become an Arrow {@link Shard} (with the
 * teacher's logits scored for that partition, when the stage learns from a teacher), and the
 * Spark-free {@link StageBody} trains on it. The single-worker and the barrier stages share it.
 */
final class StageTask {
    private StageTask() {}

    static StageResult run(StageRequest request, int rank, Iterator<InternalRow> rows, Supplier<Replica> replica) {
        StageBody body =
                new StageBody(request.plan(), request.stageDir(), request.checkpointEverySteps(), request.resumeFrom());
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = ShardReader.read(rows, request.plan().spec().inputSize(), allocator)) {
            if (request.teacherLogits() == null) {
                return body.run(rank, shard, replica);
            }
            int classes = request.plan().spec().numClasses();
            float[] logits = TeacherLogits.read(request.teacherLogits(), rank, shard.labels(), classes);
            try (Shard taught = shard.withColumn(Columns.TEACHER_LOGITS, classes, logits)) {
                return body.run(rank, taught, replica);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "stage " + request.stage() + ": cannot read the teacher's logits: " + e.getMessage(), e);
        }
    }
}
