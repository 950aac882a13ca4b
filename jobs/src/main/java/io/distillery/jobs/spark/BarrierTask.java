package io.distillery.jobs.spark;

import io.distillery.core.train.CollectiveReducer;
import io.distillery.core.train.CollectiveWorker;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.BarrierTaskInfo;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.catalyst.InternalRow;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * One task of a data-parallel barrier stage, on an executor. It reads its partition into a shard and
 * builds the trainer ({@link StageTask}); when the trainer asks for its session, the task reserves a
 * free port, exchanges {@code host:port} with its peers through {@link BarrierTaskContext#allGather},
 * starts its TensorFlow server (job {@value CollectiveWorker#JOB}, task = rank) and opens a session
 * on it. Gradients are averaged by a {@link CollectiveReducer} over all tasks every step.
 *
 * <p>Every attempt starts new servers on new ports: a server whose collective timed out is unusable,
 * and TF Java cannot stop one.
 */
final class BarrierTask
    extends AbstractFunction1<Iterator<InternalRow>, Iterator<WorkerResult>>
    implements Serializable {
  /** Sub-directory of the stage where each rank records where it runs, per attempt. */
  static final String PLACEMENT = "workers";

  private final StageRequest request;
  private final int attempt;

  /** @param attempt Distillery's attempt number (Spark's own restarts at 0 with every new job) */
  BarrierTask(StageRequest request, int attempt) {
    this.request = request;
    this.attempt = attempt;
  }

  @Override
  public Iterator<WorkerResult> apply(Iterator<InternalRow> rows) {
    BarrierTaskContext ctx = BarrierTaskContext.get();
    int rank = ctx.partitionId();
    BarrierTaskInfo[] infos = ctx.getTaskInfos();
    int workers = infos.length;
    String host = host(infos[rank].address());
    String gpus = GpuAssignment.visibleDeviceList(ctx.resourcesJMap());
    Rendezvous rendezvous = new Rendezvous(ctx, rank, host, gpus, ctx.cpus());
    CollectiveReducer reducer = new CollectiveReducer(workers, 1, 1, request.operationTimeoutMs() / 1000f);

    StageResult r =
        new StageTask(request).run(rank, CollectionConverters.asJava(rows), reducer, rendezvous);
    String digest = WorkerResult.digest(r.weights());
    StageResult kept = rank == 0 ? r : new StageResult(rank, null, r.epochs(), r.steps());
    WorkerResult out =
        new WorkerResult(rank, rendezvous.address, executorId(), ProcessHandle.current().pid(), digest, r.steps(), kept);
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

  /** The trainer's session factory: meet the peers, start this task's server, open a session on it. */
  private final class Rendezvous implements Function<Graph, Session> {
    private final BarrierTaskContext ctx;
    private final int rank;
    private final String host;
    private final String gpus;
    private final int threads;
    private String address;

    Rendezvous(BarrierTaskContext ctx, int rank, String host, String gpus, int threads) {
      this.ctx = ctx;
      this.rank = rank;
      this.host = host;
      this.gpus = gpus;
      this.threads = threads;
    }

    @Override
    public Session apply(Graph graph) {
      List<String> addresses;
      // Hold the port until every peer has its own, so that no two workers on a host pick the same.
      try (ServerSocket reserved = CollectiveWorker.reservePort(host)) {
        address = host + ":" + reserved.getLocalPort();
        addresses = Arrays.asList(ctx.allGather(address));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot release the reserved port " + address + ": " + e.getMessage(), e);
      }
      if (!address.equals(addresses.get(rank))) {
        throw new IllegalStateException(
            "rank " + rank + " published " + address + " but allGather returned " + addresses);
      }
      CollectiveWorker worker =
          CollectiveWorker.start(
              new CollectiveWorker.Spec(addresses, rank, request.operationTimeoutMs(), gpus, threads));
      System.err.printf(
          "distillery: %s rank %d of %d, attempt %d: TF server %s (GPUs: %s, threads: %d)%n",
          request.stage(), rank, addresses.size(), attempt, worker.target(), gpus.isEmpty() ? "none" : gpus, threads);
      recordPlacement(addresses.size());
      // Every server up before any session talks to a peer (else gRPC logs refused connections and retries).
      ctx.barrier();
      return worker.openSession(graph);
    }

    /** {@code workers/attempt-<a>-rank-<r>.json}: which executor and process hold this rank. */
    private void recordPlacement(int size) {
      String json = String.format(
          java.util.Locale.ROOT,
          "{\"attempt\":%d,\"rank\":%d,\"workers\":%d,\"address\":\"%s\",\"executor\":\"%s\",\"pid\":%d,\"gpus\":\"%s\"}",
          attempt, rank, size, address, executorId(), ProcessHandle.current().pid(), gpus);
      try {
        request.stageDir().writeString(String.format("%s/attempt-%d-rank-%d.json", PLACEMENT, attempt, rank), json);
      } catch (IOException e) {
        System.err.println("distillery: cannot record the placement of rank " + rank + ": " + e.getMessage());
      }
    }
  }
}
