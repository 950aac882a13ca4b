package io.distillery.core.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Server;
import org.tensorflow.Session;
import org.tensorflow.TargetedSessions;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;

/**
 * One worker of a data-parallel group, the way TensorFlow's MultiWorkerMirroredStrategy sets it up:
 * an in-process gRPC {@link Server} (job {@value #JOB}, task = rank), sessions targeted at that
 * server and restricted to its devices, and a {@link CollectiveReducer} whose all-reduce runs
 * between the servers. How the workers learn each other's addresses is the caller's business (Spark's
 * {@code BarrierTaskContext.allGather} in the jobs module).
 *
 * <p>TF Java 1.1.0 cannot stop a gRPC server ({@code TF_ServerStop} is unimplemented), and a server
 * that saw a collective time out stays unusable: a server therefore lives until its JVM exits, and a
 * retry starts new servers on new ports.
 */
public final class CollectiveWorker {
  public static final String JOB = "worker";

  /** Servers started in this JVM; referenced here because they outlive everything else. */
  private static final List<Server> SERVERS = Collections.synchronizedList(new ArrayList<>());

  /**
   * Where the workers are and how this one runs.
   *
   * @param addresses {@code host:port} of every worker, index = rank
   * @param rank this worker's index in {@code addresses}
   * @param operationTimeoutMs a step (and its all-reduce) that takes longer fails; bounds how long a
   *     worker waits for a dead peer
   * @param visibleGpus TF's {@code gpu_options.visible_device_list} ("" for all, or "0", "1,3", ...)
   * @param threads intra- and inter-op threads (0: TensorFlow's default, one per core)
   */
  public record Spec(List<String> addresses, int rank, long operationTimeoutMs, String visibleGpus, int threads) {
    public Spec {
      if (addresses == null || addresses.isEmpty()) {
        throw new IllegalArgumentException("a collective group needs at least one worker address");
      }
      addresses = List.copyOf(addresses);
      for (String a : addresses) {
        if (a == null || !a.matches("[^:\\s]+:\\d{1,5}")) {
          throw new IllegalArgumentException("worker address must be host:port, found '" + a + "' in " + addresses);
        }
      }
      if (rank < 0 || rank >= addresses.size()) {
        throw new IllegalArgumentException("rank must be in [0, " + addresses.size() + "), found " + rank);
      }
      if (operationTimeoutMs <= 0) {
        throw new IllegalArgumentException(
            "operation_timeout_in_ms must be > 0 (else a lost peer blocks the others forever), found "
                + operationTimeoutMs);
      }
      visibleGpus = visibleGpus == null ? "" : visibleGpus;
      if (threads < 0) {
        throw new IllegalArgumentException("threads must be >= 0, found " + threads);
      }
    }

    public int size() {
      return addresses.size();
    }
  }

  private final Spec spec;
  private final ConfigProto config;

  private CollectiveWorker(Spec spec) {
    this.spec = spec;
    this.config = config(spec);
  }

  /** Creates and starts this worker's server. */
  public static CollectiveWorker start(Spec spec) {
    CollectiveWorker worker = new CollectiveWorker(spec);
    Server server = new Server(serverDef(spec, worker.config));
    server.start();
    SERVERS.add(server);
    return worker;
  }

  /**
   * Binds a free port on {@code host} and keeps it bound, so that no other worker on the same host
   * picks it while addresses are exchanged; close it just before {@link #start}.
   */
  public static ServerSocket reservePort(String host) {
    try {
      ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host));
      socket.setReuseAddress(true);
      return socket;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind a free port on " + host + ": " + e.getMessage(), e);
    }
  }

  public Spec spec() {
    return spec;
  }

  /** The session (and server default) configuration. */
  public ConfigProto config() {
    return config;
  }

  /** {@code grpc://host:port} of this worker's own server. */
  public String target() {
    return "grpc://" + spec.addresses().get(spec.rank());
  }

  /** A session on {@code graph} run by this worker's server; the trainer's session factory. */
  public Session openSession(Graph graph) {
    return TargetedSessions.open(graph, target(), config);
  }

  /** Gradient averaging over the group; the timeout matches the session's. */
  public GradientReducer reducer() {
    return new CollectiveReducer(spec.size(), 1, 1, spec.operationTimeoutMs() / 1000f);
  }

  static ConfigProto config(Spec spec) {
    ConfigProto.Builder b =
        ConfigProto.newBuilder()
            .addDeviceFilters("/job:" + JOB + "/task:" + spec.rank())
            .setOperationTimeoutInMs(spec.operationTimeoutMs())
            .setExperimental(
                ConfigProto.Experimental.newBuilder()
                    .setCollectiveGroupLeader("/job:" + JOB + "/replica:0/task:0"));
    if (!spec.visibleGpus().isEmpty()) {
      b.setGpuOptions(GPUOptions.newBuilder().setVisibleDeviceList(spec.visibleGpus()).setAllowGrowth(true));
    }
    if (spec.threads() > 0) {
      b.setIntraOpParallelismThreads(spec.threads()).setInterOpParallelismThreads(spec.threads());
    }
    return b.build();
  }

  static ServerDef serverDef(Spec spec, ConfigProto config) {
    JobDef.Builder job = JobDef.newBuilder().setName(JOB);
    for (int i = 0; i < spec.size(); i++) {
      job.putTasks(i, spec.addresses().get(i));
    }
    return ServerDef.newBuilder()
        .setCluster(ClusterDef.newBuilder().addJob(job))
        .setJobName(JOB)
        .setTaskIndex(spec.rank())
        .setProtocol("grpc")
        // Devices (and the GPUs they may use) are created from this config when the server starts.
        .setDefaultSessionConfig(config)
        .build();
  }
}
