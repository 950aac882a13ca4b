package io.distillery.serve;

import io.distillery.publish.ModelRepository;
import io.distillery.serve.grpc.GrpcServer;
import io.distillery.serve.grpc.PredictionGrpcService;
import io.distillery.serve.inference.InferenceService;
import io.distillery.serve.metrics.ServeMetrics;
import io.distillery.serve.model.ServableRegistry;
import io.distillery.serve.model.ServableVersion;
import io.distillery.serve.model.VersionLoader;
import io.distillery.serve.model.VersionWatcher;
import io.distillery.serve.rest.RestHandler;
import io.distillery.serve.rest.RestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * A running {@code distillery serve}: one model, its versions polled from storage, answered over
 * REST and (optionally) gRPC.
 *
 * <pre>{@code
 * ServeOptions options = ServeOptions.of(URI.create("hdfs://nn/models/fashion"))
 *     .withEndpoints(new Endpoints("0.0.0.0", 8501, OptionalInt.of(8500)));
 * try (ModelServer server = ModelServer.start(options, new Configuration())) {
 *   server.awaitShutdown();
 * }
 * }</pre>
 *
 * <p>{@link #start} reads the base path once before it listens, so a model that has a complete
 * version answers from the first request. {@link #close} stops listening (letting running requests
 * finish), stops polling, unloads every version once its requests are done, and removes the local
 * copies.
 */
public final class ModelServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelServer.class.getName());

    private final ServeOptions options;
    private final ServableRegistry registry;
    private final Deque<AutoCloseable> resources;
    private final RestServer rest;
    private final GrpcServer grpc;
    private final Object lifecycle = new Object();
    private boolean closed;

    private ModelServer(
            ServeOptions options,
            ServableRegistry registry,
            Deque<AutoCloseable> resources,
            RestServer rest,
            GrpcServer grpc) {
        this.options = options;
        this.registry = registry;
        this.resources = resources;
        this.rest = rest;
        this.grpc = grpc;
    }

    /**
     * Opens the model's storage, loads what the policy chooses, and starts listening.
     *
     * @throws IllegalArgumentException when the base path is not {@code <base>/<name>} with a valid name
     * @throws IOException              when storage cannot be opened or a port cannot be bound
     */
    public static ModelServer start(ServeOptions options, Configuration conf) throws IOException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(conf, "conf");
        Deque<AutoCloseable> resources = new ArrayDeque<>(); // closed last-opened first
        try {
            ModelRepository repository = ModelRepository.open(options.modelBasePath(), conf);
            resources.push(repository);
            FileSystem fs = FileSystem.newInstance(options.modelBasePath(), conf);
            resources.push(fs);
            Path cacheDir;
            if (options.cacheDir().isPresent()) {
                cacheDir = Files.createDirectories(options.cacheDir().get());
            } else {
                Path temporary = Files.createTempDirectory("distillery-serve-");
                resources.push(() -> io.distillery.serve.model.VersionLoader.deleteTree(temporary));
                cacheDir = temporary;
            }
            ServeMetrics metrics = new ServeMetrics(options.modelName());
            ServableRegistry registry = new ServableRegistry(options.modelName());
            VersionLoader loader = new VersionLoader(
                    fs, cacheDir, options.batching(), options.limits().requestTimeout(), metrics::batch);
            VersionWatcher watcher =
                    new VersionWatcher(repository, loader, registry, options.policy(), options.pollInterval(), metrics);
            resources.push(watcher);
            List<Long> serving = watcher.pollOnce();
            if (serving.isEmpty()) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "no complete version of " + repository.uri() + " to serve yet; polling" + " every "
                                + options.pollInterval().toMillis() + " ms");
            }
            watcher.start();

            InferenceService service =
                    new InferenceService(registry, options.limits().maxInstances());
            int threads = requestThreads(options);
            Endpoints at = options.endpoints();
            RestServer rest;
            try {
                rest = RestServer.start(
                        at.host(),
                        at.restPort(),
                        new RestHandler(service, metrics, options.limits().maxBodyBytes()),
                        threads);
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(
                        "cannot serve REST on " + at.host() + ":" + at.restPort() + ": " + e.getMessage(), e);
            }
            resources.push(rest);
            GrpcServer grpc = null;
            if (at.grpcPort().isPresent()) {
                grpc = GrpcServer.start(
                        at.host(),
                        at.grpcPort().getAsInt(),
                        new PredictionGrpcService(service, metrics),
                        options.limits().maxBodyBytes(),
                        threads);
                resources.push(grpc);
            }
            LOG.log(
                    System.Logger.Level.INFO,
                    "serving " + options.modelName() + " from " + repository.uri()
                            + " (versions " + serving + ", policy " + options.policy() + ") on REST port " + rest.port()
                            + (grpc == null ? "" : " and gRPC port " + grpc.port()));
            return new ModelServer(options, registry, resources, rest, grpc);
        } catch (IOException | RuntimeException e) {
            closeAll(resources, e);
            throw e;
        }
    }

    public ServeOptions options() {
        return options;
    }

    /** The REST port bound. */
    public int restPort() {
        return rest.port();
    }

    /** The gRPC port bound, if gRPC is on. */
    public OptionalInt grpcPort() {
        return grpc == null ? OptionalInt.empty() : OptionalInt.of(grpc.port());
    }

    /** The versions answering requests now, oldest first. */
    public List<Long> servingVersions() {
        return registry.available().stream().map(ServableVersion::version).toList();
    }

    /** Blocks until {@link #close()} has run (e.g. from a shutdown hook). */
    public void awaitShutdown() throws InterruptedException {
        synchronized (lifecycle) {
            while (!closed) {
                lifecycle.wait();
            }
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            lifecycle.notifyAll();
        }
        IOException failure = new IOException("stopping the model server left errors");
        closeAll(resources, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
        LOG.log(System.Logger.Level.INFO, "stopped serving " + options.modelName());
    }

    /** Each request thread may wait for a batch: enough for every batch slot, plus some. */
    private static int requestThreads(ServeOptions options) {
        int base = 2 * Runtime.getRuntime().availableProcessors() + 8;
        int batching = options.batching()
                .map(b -> b.maxBatchSize() * (b.threads() + 1))
                .orElse(0);
        return Math.min(512, Math.max(16, base + batching));
    }

    private static void closeAll(Deque<AutoCloseable> resources, Exception failure) {
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }
}
