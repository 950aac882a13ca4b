package io.distillery.jobs.spark;

import io.distillery.core.train.CollectiveWorker;
import io.distillery.core.train.Replica;
import io.distillery.stage.Json;
import io.distillery.stage.StageResult;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.BarrierTaskInfo;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.catalyst.InternalRow;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * One task of a data-parallel barrier stage, on an executor. It reads its partition into a shard;
 * then, before building the trainer ({@link StageTask}), it joins its peers through {@link
 * BarrierTaskContext#allGather}: on the TensorFlow servers this executor kept from an earlier stage
 * of the same group, or on new ones (job {@value CollectiveWorker#JOB}, task = rank; see {@link
 * CollectiveWorker#join}). Gradients are averaged by a {@link io.distillery.core.train.CollectiveReducer}
 * over all tasks every step. When the task ends its server goes back to the executor's pool, or, if
 * the task failed, is never used again (a retry meets on new servers and ports).
 */
final class BarrierTask extends AbstractFunction1<Iterator<InternalRow>, Iterator<WorkerResult>>
        implements Serializable {
    /** Executor-side lines go to the executor's log (the run's log file in local mode), not a terminal. */
    private static final org.apache.logging.log4j.Logger LOG =
            org.apache.logging.log4j.LogManager.getLogger(BarrierTask.class);

    /** Sub-directory of the stage where each rank records where it runs, per attempt. */
    static final String PLACEMENT = "workers";

    private final StageRequest request;
    private final int attempt;
    private final LinkProbe.Address probe;

    /**
     * @param attempt Distillery's attempt number (Spark's own restarts at 0 with every new job)
     * @param probe   the driver's {@link LinkProbe}, which each rank answers before it trains; null for none
     */
    BarrierTask(StageRequest request, int attempt, LinkProbe.Address probe) {
        this.request = request;
        this.attempt = attempt;
        this.probe = probe;
    }

    @Override
    public Iterator<WorkerResult> apply(Iterator<InternalRow> rows) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int rank = ctx.partitionId();
        BarrierTaskInfo[] infos = ctx.getTaskInfos();
        String host = host(infos[rank].address());
        if (probe != null) {
            LinkProbe.measure(probe, rank, executorId(), host);
        }
        String gpus = GpuAssignment.visibleDeviceList(ctx.resourcesJMap());
        Rendezvous rendezvous = new Rendezvous(
                ctx,
                rank,
                infos.length,
                host,
                new CollectiveWorker.Settings(request.operationTimeoutMs(), gpus, ctx.cpus()));
        StageResult r;
        boolean healthy = false;
        try {
            r = StageTask.run(request, rank, CollectionConverters.asJava(rows), rendezvous::join);
            healthy = true;
        } finally {
            rendezvous.leave(healthy);
        }
        String digest = r.weights().sha256();
        StageResult kept = rank == 0 ? r : new StageResult(rank, null, r.epochs(), r.steps());
        WorkerResult out = new WorkerResult(
                rank,
                rendezvous.address(),
                executorId(),
                ProcessHandle.current().pid(),
                digest,
                r.steps(),
                kept);
        return CollectionConverters.asScala(List.of(out).iterator());
    }

    /** The host part of an executor's {@code host:port}; {@code 127.0.0.1} if there is none. */
    static String host(String address) {
        if (address == null || address.isBlank()) {
            return "127.0.0.1";
        }
        int colon = address.lastIndexOf(':');
        String h = colon > 0 ? address.substring(0, colon) : address;
        return h.isBlank() ? "127.0.0.1" : h;
    }

    private static String executorId() {
        SparkEnv env = SparkEnv.get();
        return env == null ? "?" : env.executorId();
    }

    /** This task's membership of the group: joined when the trainer is built, left when the task ends. */
    private final class Rendezvous {
        private final BarrierTaskContext ctx;
        private final int rank;
        private final int size;
        private final String host;
        private final CollectiveWorker.Settings settings;
        private CollectiveWorker worker;

        Rendezvous(BarrierTaskContext ctx, int rank, int size, String host, CollectiveWorker.Settings settings) {
            this.ctx = ctx;
            this.rank = rank;
            this.size = size;
            this.host = host;
            this.settings = settings;
        }

        Replica join() {
            worker = CollectiveWorker.join(m -> Arrays.asList(ctx.allGather(m)), host, rank, size, settings);
            LOG.info(String.format(
                    java.util.Locale.ROOT,
                    "%s rank %d of %d, attempt %d: TF server %s %s (GPUs: %s, threads: %d)",
                    request.stage(),
                    rank,
                    size,
                    attempt,
                    worker.target(),
                    worker.reused() ? "reused" : "started",
                    settings.visibleGpus().isEmpty() ? "none" : settings.visibleGpus(),
                    settings.threads()));
            recordPlacement();
            // Every server up before any session talks to a peer (else gRPC logs refused connections and retries).
            ctx.barrier();
            return worker.replica();
        }

        void leave(boolean healthy) {
            if (worker != null) {
                worker.release(healthy);
            }
        }

        String address() {
            return worker == null ? "" : worker.spec().addresses().get(rank);
        }

        /** {@code workers/attempt-<a>-rank-<r>.json}: which executor and process hold this rank. */
        private void recordPlacement() {
            var placement = new WorkersRecord.Placement(
                    attempt,
                    rank,
                    size,
                    address(),
                    worker.reused(),
                    executorId(),
                    ProcessHandle.current().pid(),
                    settings.visibleGpus());
            try {
                request.stageDir()
                        .write(
                                String.format("%s/attempt-%d-rank-%d.json", PLACEMENT, attempt, rank),
                                out -> Json.MAPPER.writeValue(out, placement));
            } catch (IOException e) {
                LOG.warn("cannot record the placement of rank " + rank + ": " + e.getMessage());
            }
        }
    }
}
