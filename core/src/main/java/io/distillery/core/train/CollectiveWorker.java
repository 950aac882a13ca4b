package io.distillery.core.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
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
 * between the servers. The workers learn each other's addresses through an {@link Exchange} (Spark's
 * {@code BarrierTaskContext.allGather} in the jobs module).
 *
 * <p>TF Java 1.1.0 cannot stop a gRPC server ({@code TF_ServerStop} is unimplemented, and deleting a
 * started one aborts the process), so a server lives until its JVM exits. Rather than leave one per
 * stage behind, {@link #join} reuses the servers of this JVM: a stage whose peers all hold an idle
 * server of one same group runs on those servers again; only a new placement starts new ones. A
 * server that saw a failure stays unused: its collective runtime may have aborted (TensorFlow keeps
 * that state until restart), so a retry starts new servers on new ports. Sessions are opened with
 * {@code isolate_session_state}, so the variables of one stage are dropped when its session closes
 * and never seen by the next.
 */
public final class CollectiveWorker {
    public static final String JOB = "worker";
    private static final long GROUP_KEY = 1;

    /** Every server started in this JVM, with its state; guarded by {@code CollectiveWorker.class}. */
    private static final List<CollectiveWorker> SERVERS = new ArrayList<>();

    /** Sends one message per worker and returns every worker's, index = rank (a barrier all-gather). */
    @FunctionalInterface
    public interface Exchange {
        List<String> allGather(String message);
    }

    /**
     * How a worker runs, apart from where its peers are.
     *
     * @param operationTimeoutMs a step (and its all-reduce) that takes longer fails; bounds how long a
     *     worker waits for a dead peer
     * @param visibleGpus TF's {@code gpu_options.visible_device_list} ("" for all, or "0", "1,3", ...)
     * @param threads intra- and inter-op threads (0: TensorFlow's default, one per core)
     */
    public record Settings(long operationTimeoutMs, String visibleGpus, int threads) {
        public Settings {
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
    }

    /**
     * Where the workers are and how this one runs.
     *
     * @param addresses {@code host:port} of every worker, index = rank
     * @param rank this worker's index in {@code addresses}
     */
    public record Spec(List<String> addresses, int rank, Settings settings) {
        public Spec {
            if (addresses == null || addresses.isEmpty()) {
                throw new IllegalArgumentException("a collective group needs at least one worker address");
            }
            addresses = List.copyOf(addresses);
            for (String a : addresses) {
                if (a == null || !a.matches("[^:\\s,#]+:\\d{1,5}")) {
                    throw new IllegalArgumentException(
                            "worker address must be host:port, found '" + a + "' in " + addresses);
                }
            }
            if (rank < 0 || rank >= addresses.size()) {
                throw new IllegalArgumentException("rank must be in [0, " + addresses.size() + "), found " + rank);
            }
            if (settings == null) {
                throw new IllegalArgumentException("settings must be given");
            }
        }

        public Spec(List<String> addresses, int rank, long operationTimeoutMs, String visibleGpus, int threads) {
            this(addresses, rank, new Settings(operationTimeoutMs, visibleGpus, threads));
        }

        public int size() {
            return addresses.size();
        }
    }

    /** How many servers of this JVM are in use, idle (reusable) and broken (never used again). */
    public record Census(int leased, int idle, int broken) {
        public int total() {
            return leased + idle + broken;
        }
    }

    private enum State {
        LEASED,
        IDLE,
        BROKEN
    }

    private final Spec spec;
    private final ConfigProto config;
    /** Instance keys already used on this server; every server of the group holds the same count. */
    private final AtomicLong instanceKeys = new AtomicLong(1);
    /** Held for the JVM's life: collecting a started server would delete it, which aborts the process. */
    private Server server;

    private State state = State.LEASED;
    /** Stages this server has served, the current one included. */
    private int leases = 1;

    private CollectiveWorker(Spec spec) {
        this.spec = spec;
        this.config = config(spec);
    }

    /** Creates and starts a new server for {@code spec}, leased to the caller. */
    public static CollectiveWorker start(Spec spec) {
        CollectiveWorker worker = new CollectiveWorker(spec);
        worker.server = new Server(serverDef(spec, worker.config));
        worker.server.start();
        synchronized (CollectiveWorker.class) {
            SERVERS.add(worker);
        }
        return worker;
    }

    /**
     * Joins a group of {@code size} workers as {@code rank}: on an idle server of this JVM when every
     * peer offers an idle server of one same group (the same addresses and the same instance-key count),
     * else on a new server on a free port of {@code host}. At most two rounds of {@code exchange}; every
     * worker takes the same branch, since each decides from the same gathered offers. Give the worker
     * back with {@link #release} when the stage ends.
     */
    public static CollectiveWorker join(Exchange exchange, String host, int rank, int size, Settings settings) {
        List<CollectiveWorker> candidates = leaseIdle(rank, size, settings);
        String common;
        try {
            List<String> offers = exchange.allGather(String.join(
                    " ", candidates.stream().map(CollectiveWorker::group).toList()));
            common = commonGroup(offers, size);
        } catch (RuntimeException e) {
            returnIdle(candidates);
            throw e;
        }
        CollectiveWorker chosen = null;
        synchronized (CollectiveWorker.class) {
            for (CollectiveWorker c : candidates) {
                if (chosen == null && c.group().equals(common)) {
                    chosen = c;
                    c.leases++;
                } else {
                    c.state = State.IDLE;
                }
            }
        }
        if (chosen != null) {
            return chosen;
        }
        List<String> addresses;
        String address;
        // Hold the port until every peer has its own, so that no two workers on a host pick the same.
        try (ServerSocket reserved = reservePort(host)) {
            address = host + ":" + reserved.getLocalPort();
            addresses = exchange.allGather(address);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release a reserved port on " + host + ": " + e.getMessage(), e);
        }
        if (addresses.size() != size || !address.equals(addresses.get(rank))) {
            throw new IllegalStateException("rank " + rank + " of " + size + " published " + address
                    + " but the exchange returned " + addresses);
        }
        return start(new Spec(addresses, rank, settings));
    }

    /** Marks every idle server of this JVM that could serve {@code rank} as leased, and returns them. */
    private static synchronized List<CollectiveWorker> leaseIdle(int rank, int size, Settings settings) {
        List<CollectiveWorker> out = new ArrayList<>();
        for (CollectiveWorker w : SERVERS) {
            if (w.state == State.IDLE
                    && w.spec.rank() == rank
                    && w.spec.size() == size
                    && w.spec.settings().equals(settings)) {
                w.state = State.LEASED;
                out.add(w);
            }
        }
        return out;
    }

    private static synchronized void returnIdle(List<CollectiveWorker> leased) {
        leased.forEach(w -> w.state = State.IDLE);
    }

    /** The smallest group every worker offered, or null if there is none. */
    static String commonGroup(List<String> offers, int size) {
        if (offers.size() != size) {
            throw new IllegalStateException("expected " + size + " offers from the exchange, found " + offers.size());
        }
        Set<String> common = null;
        for (String offer : offers) {
            Set<String> groups = new TreeSet<>(
                    offer.isBlank() ? List.of() : List.of(offer.trim().split(" ")));
            if (common == null) {
                common = groups;
            } else {
                common.retainAll(groups);
            }
        }
        return common == null || common.isEmpty() ? null : common.iterator().next();
    }

    /** The group this server belongs to, as its peers see it: addresses and instance keys used. */
    private String group() {
        return String.join(",", spec.addresses()) + "#" + instanceKeys.get();
    }

    /**
     * Gives the server back: a healthy one may serve a later stage of the same group; an unhealthy one
     * (its stage failed: a peer lost, a collective aborted) is never used again.
     */
    public void release(boolean healthy) {
        synchronized (CollectiveWorker.class) {
            if (state != State.LEASED) {
                throw new IllegalStateException("server " + target() + " is not leased (" + state + ")");
            }
            state = healthy ? State.IDLE : State.BROKEN;
        }
    }

    /** Whether this worker runs on a server that an earlier stage started. */
    public boolean reused() {
        synchronized (CollectiveWorker.class) {
            return leases > 1;
        }
    }

    /** This JVM's servers by state. */
    public static synchronized Census census() {
        int leased = 0;
        int idle = 0;
        int broken = 0;
        for (CollectiveWorker w : SERVERS) {
            switch (w.state) {
                case LEASED -> leased++;
                case IDLE -> idle++;
                case BROKEN -> broken++;
            }
        }
        return new Census(leased, idle, broken);
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

    /** Gradient averaging over the group, with instance keys this server has not used yet. */
    public GradientReducer reducer() {
        return new CollectiveReducer(spec.size(), GROUP_KEY, instanceKeys);
    }

    /** A trainer's place in the group: this server's reducer and sessions. */
    public Replica replica() {
        return new Replica(reducer(), this::openSession);
    }

    static ConfigProto config(Spec spec) {
        ConfigProto.Builder b = ConfigProto.newBuilder()
                .addDeviceFilters("/job:" + JOB + "/task:" + spec.rank())
                .setOperationTimeoutInMs(spec.settings().operationTimeoutMs())
                // Each session's variables live in its own container, dropped when the session closes:
                // a reused server neither keeps a finished stage's tensors nor shows them to the next.
                .setIsolateSessionState(true)
                .setExperimental(ConfigProto.Experimental.newBuilder()
                        .setCollectiveGroupLeader("/job:" + JOB + "/replica:0/task:0"));
        if (!spec.settings().visibleGpus().isEmpty()) {
            b.setGpuOptions(GPUOptions.newBuilder()
                    .setVisibleDeviceList(spec.settings().visibleGpus())
                    .setAllowGrowth(true));
        }
        if (spec.settings().threads() > 0) {
            b.setIntraOpParallelismThreads(spec.settings().threads())
                    .setInterOpParallelismThreads(spec.settings().threads());
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
