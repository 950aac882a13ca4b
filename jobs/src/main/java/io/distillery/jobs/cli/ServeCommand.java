package io.distillery.jobs.cli;

import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.pipeline.RunPaths;
import io.distillery.serve.Endpoints;
import io.distillery.serve.ModelServer;
import io.distillery.serve.ServeOptions;
import io.distillery.serve.batch.BatchingOptions;
import io.distillery.serve.inference.RequestLimits;
import io.distillery.serve.model.VersionPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distillery serve}: TensorFlow Serving's REST (and gRPC) API over the published versions of
 * one model, until stopped (Ctrl-C or SIGTERM). Exits 2 on bad options, 4 when storage or a port
 * cannot be opened.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Serve a model over TensorFlow Serving's REST and gRPC APIs.",
            "gRPC (PredictionService) with --grpc-port. New complete versions are picked",
            "up while serving. Endpoints:",
            "  GET  /v1/models/NAME[/versions/V][/metadata]",
            "  POST /v1/models/NAME[/versions/V]:predict",
            "  GET  /metrics (Prometheus)"
        })
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--model-base-path",
            required = true,
            paramLabel = "URI",
            description = {
                "The model directory holding numbered versions, e.g.",
                "models/fashion, hdfs://nn/models/fashion or",
                "s3a://bucket/models/fashion"
            })
    String modelBasePath;

    @Option(
            names = "--model-name",
            paramLabel = "NAME",
            description = "Name in URLs and model specs (default: the last segment of --model-base-path).")
    String modelName;

    @Option(
            names = "--host",
            defaultValue = "0.0.0.0",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8501", description = "REST port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--grpc-port", paramLabel = "PORT", description = "gRPC port, e.g. 8500 (default: no gRPC).")
    Integer grpcPort;

    @Option(
            names = "--poll-seconds",
            defaultValue = "5",
            paramLabel = "SECONDS",
            description = "How often to look for new versions (default: ${DEFAULT-VALUE}).")
    double pollSeconds;

    @Option(
            names = "--versions",
            split = ",",
            paramLabel = "V",
            description = "Serve exactly these versions, e.g. 1,2 (default: the newest complete one).")
    List<Long> versions;

    @Option(
            names = "--max-batch-size",
            paramLabel = "N",
            description = "Batch concurrent requests into TensorFlow calls of up to N rows (default: no batching).")
    Integer maxBatchSize;

    @Option(
            names = "--batch-timeout-ms",
            defaultValue = "2",
            paramLabel = "MS",
            description = "How long a request waits for others to join its batch (default: ${DEFAULT-VALUE}).")
    long batchTimeoutMs;

    @Option(
            names = "--batch-threads",
            paramLabel = "N",
            description = "Batches running at once (default: one per core).")
    Integer batchThreads;

    @Option(
            names = "--max-body-mb",
            defaultValue = "32",
            paramLabel = "MB",
            description = "Largest request body or gRPC message (default: ${DEFAULT-VALUE}).")
    long maxBodyMb;

    @Option(
            names = "--max-instances",
            defaultValue = "1024",
            paramLabel = "N",
            description = "Most instances (rows) per request (default: ${DEFAULT-VALUE}).")
    int maxInstances;

    @Option(
            names = "--cache-dir",
            paramLabel = "DIR",
            description = "Where loaded versions are copied (default: a new temporary directory, removed on exit).")
    Path cacheDir;

    @Override
    public Integer call() throws Exception {
        ServeOptions options = options();
        ModelServer server = ModelServer.start(options, new Configuration());
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                server.close();
                            } catch (Exception e) {
                                System.err.println("distillery serve: stopping: " + e.getMessage());
                            }
                        },
                        "serve-shutdown"));
        String shown = "0.0.0.0".equals(options.endpoints().host())
                ? "localhost"
                : options.endpoints().host();
        System.out.printf(
                "distillery serve: %s versions %s, policy %s%n",
                options.modelName(), server.servingVersions(), options.policy());
        System.out.printf("  REST  http://%s:%d/v1/models/%s%n", shown, server.restPort(), options.modelName());
        server.grpcPort()
                .ifPresent(p -> System.out.printf("  gRPC  %s:%d tensorflow.serving.PredictionService%n", shown, p));
        System.out.println("  Ctrl-C stops.");
        System.out.flush();
        server.awaitShutdown();
        return ExitCodes.OK;
    }

    /** The validated options; a bad value is a usage error (exit 2) naming the option. */
    ServeOptions options() {
        try {
            URI base = URI.create(RunPaths.toUri(modelBasePath));
            ServeOptions options = ServeOptions.of(base)
                    .withEndpoints(new Endpoints(
                            host, port, grpcPort == null ? OptionalInt.empty() : OptionalInt.of(grpcPort)))
                    .withPollInterval(Duration.ofMillis(Math.round(pollSeconds * 1000)))
                    .withLimits(new RequestLimits(maxBodyMb << 20, maxInstances, RequestLimits.DEFAULT_REQUEST_TIMEOUT))
                    .withCacheDir(Optional.ofNullable(cacheDir));
            if (modelName != null) {
                options = options.withModelName(modelName);
            }
            if (versions != null && !versions.isEmpty()) {
                options = options.withPolicy(VersionPolicy.specific(versions));
            }
            if (maxBatchSize != null) {
                BatchingOptions batching = BatchingOptions.of(maxBatchSize, Duration.ofMillis(batchTimeoutMs));
                if (batchThreads != null) {
                    batching = new BatchingOptions(
                            batching.maxBatchSize(), batching.timeout(), batchThreads, batching.maxQueuedRequests());
                }
                options = options.withBatching(Optional.of(batching));
            }
            return options;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "serve: " + e.getMessage(), e, null, modelBasePath);
        }
    }
}
