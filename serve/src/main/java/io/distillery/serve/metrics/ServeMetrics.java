package io.distillery.serve.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The metrics of one server, in a registry of its own (several servers in one JVM do not mix).
 *
 * <p>Label {@code api} is {@code rest} or {@code grpc}; {@code method} is {@code predict},
 * {@code metadata} or {@code status}; {@code code} is the HTTP status (REST) or gRPC code name.
 */
public final class ServeMetrics {
    /** Latency buckets in seconds: 0.5 ms to 10 s. */
    private static final double[] LATENCY_BOUNDS = {
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10
    };

    private static final double[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    private final String model;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Counter errors;
    private final Histogram latency;
    private final Histogram batchSize;
    private final Counter loads;
    private final Gauge loaded;
    private final Gauge loadSeconds;

    public ServeMetrics(String model) {
        this.model = Objects.requireNonNull(model, "model");
        requests = Counter.builder()
                .name("distillery_serve_requests_total")
                .help("Requests received, by API and method.")
                .labelNames("api", "method")
                .register(registry);
        errors = Counter.builder()
                .name("distillery_serve_request_errors_total")
                .help("Requests answered with an error, by API, method and status code.")
                .labelNames("api", "method", "code")
                .register(registry);
        latency = Histogram.builder()
                .name("distillery_serve_request_duration_seconds")
                .help("Time from receiving a request to having its answer, by API and method.")
                .labelNames("api", "method")
                .classicOnly()
                .classicUpperBounds(LATENCY_BOUNDS)
                .register(registry);
        batchSize = Histogram.builder()
                .name("distillery_serve_batch_size")
                .help("Rows in each TensorFlow call made by the batcher.")
                .labelNames("model")
                .classicOnly()
                .classicUpperBounds(BATCH_BOUNDS)
                .register(registry);
        loads = Counter.builder()
                .name("distillery_serve_version_loads_total")
                .help("Attempts to load a version, by result (ok, failed).")
                .labelNames("model", "result")
                .register(registry);
        loaded = Gauge.builder()
                .name("distillery_serve_loaded_version")
                .help("1 for each version answering requests.")
                .labelNames("model", "version")
                .register(registry);
        loadSeconds = Gauge.builder()
                .name("distillery_serve_version_load_seconds")
                .help("How long loading each answering version took: verifying, copying and opening it.")
                .labelNames("model", "version")
                .register(registry);
    }

    /** Counts a request and its latency; {@code errorCode} is null on success. */
    public void request(String api, String method, long nanos, String errorCode) {
        requests.labelValues(api, method).inc();
        latency.labelValues(api, method).observe(nanos / 1e9);
        if (errorCode != null) {
            errors.labelValues(api, method, errorCode).inc();
        }
    }

    public void batch(int rows) {
        batchSize.labelValues(model).observe(rows);
    }

    public void versionLoaded(long version, long loadNanos) {
        loads.labelValues(model, "ok").inc();
        loaded.labelValues(model, Long.toString(version)).set(1);
        loadSeconds.labelValues(model, Long.toString(version)).set(loadNanos / 1e9);
    }

    public void versionLoadFailed() {
        loads.labelValues(model, "failed").inc();
    }

    public void versionUnloaded(long version) {
        loaded.remove(model, Long.toString(version));
        loadSeconds.remove(model, Long.toString(version));
    }

    /** The Prometheus text format's content type. */
    public String contentType() {
        return writer.getContentType();
    }

    /** Every metric in the Prometheus text format. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("writing metrics to memory failed", e);
        }
        return out.toByteArray();
    }
}
