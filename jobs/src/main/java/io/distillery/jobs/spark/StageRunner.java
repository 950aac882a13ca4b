package io.distillery.jobs.spark;

import io.distillery.core.train.GradientReducer;
import io.distillery.core.train.Replica;
import io.distillery.stage.Checkpoints;
import io.distillery.stage.StageResult;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;

/**
 * Runs a training stage over partitions already split one per worker and returns rank 0's result:
 * one partition is a plain Spark task with a local session; more are a data-parallel
 * {@link BarrierStage}.
 */
public final class StageRunner {
    private StageRunner() {}

    public static StageResult run(JavaRDD<InternalRow> partitions, StageRequest request) {
        int workers = partitions.getNumPartitions();
        if (workers > 1) {
            return BarrierStage.run(partitions, request);
        }
        if (workers != 1) {
            throw new IllegalArgumentException("stage " + request.stage() + ": no partitions to train on");
        }
        Checkpoints.Checkpoint from =
                Checkpoints.latest(request.stageDir(), m -> System.err.println("distillery: " + m));
        if (from != null) {
            System.out.printf("%-16s resuming from checkpoint step %d%n", request.stage(), from.step());
        }
        StageRequest resumed = request.withResume(from == null ? null : from.name());
        List<StageResult> results =
                partitions.mapPartitionsWithIndex(new LocalTask(resumed), false).collect();
        return results.stream()
                .filter(r -> r.rank() == 0)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("stage " + request.stage() + ": no result from rank 0"));
    }

    /**
     * One worker: gradients applied as computed, a plain local session. On a cluster the session keeps
     * to the task's cores ({@code spark.task.cpus}) and to the GPUs Spark assigned the task; in local
     * mode it has the machine.
     */
    static final class LocalTask implements Function2<Integer, Iterator<InternalRow>, Iterator<StageResult>> {
        private final StageRequest request;

        LocalTask(StageRequest request) {
            this.request = request;
        }

        @Override
        public Iterator<StageResult> call(Integer index, Iterator<InternalRow> rows) {
            StageResult r =
                    StageTask.run(request, index, rows, () -> new Replica(GradientReducer.LOCAL, sessionFactory()));
            return List.of(r).iterator();
        }

        private static Function<Graph, Session> sessionFactory() {
            ConfigProto config = taskConfig();
            return config == null ? Session::new : g -> new Session(g, config);
        }
    }

    /**
     * TensorFlow's session settings for the task running now: on a cluster it keeps to the task's cores
     * ({@code spark.task.cpus}) and to the GPUs Spark assigned it; in local mode, and outside a task,
     * null (TensorFlow's defaults: the machine).
     */
    public static ConfigProto taskConfig() {
        TaskContext ctx = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        boolean local = env == null || env.conf().get("spark.master", "local").startsWith("local");
        if (ctx == null) {
            return null;
        }
        ConfigProto.Builder config = ConfigProto.newBuilder();
        if (!local) {
            config.setIntraOpParallelismThreads(ctx.cpus()).setInterOpParallelismThreads(ctx.cpus());
        }
        String gpus = GpuAssignment.visibleDeviceList(ctx.resourcesJMap());
        if (!gpus.isEmpty()) {
            config.setGpuOptions(
                    GPUOptions.newBuilder().setVisibleDeviceList(gpus).setAllowGrowth(true));
        }
        ConfigProto built = config.build();
        return built.equals(ConfigProto.getDefaultInstance()) ? null : built;
    }

    /** Throws a checked exception without declaring it (see {@link BarrierStage#rethrow}). */
    @SuppressWarnings("unchecked")
    static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
