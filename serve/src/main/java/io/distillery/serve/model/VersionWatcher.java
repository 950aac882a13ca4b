package io.distillery.serve.model;

import io.distillery.publish.ModelRepository;
import io.distillery.publish.VersionState;
import io.distillery.publish.VersionStatus;
import io.distillery.serve.metrics.ServeMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Polls the model's base path and keeps the loaded versions in line with the {@link VersionPolicy}.
 *
 * <p>Each poll lists the versions (only COMPLETE ones count; the others are logged once, and a
 * CORRUPT one is reported as failed with DATA_LOSS, naming the files that disagree), loads the
 * chosen ones that are not loaded yet (a chosen version that fails to load is dropped from this
 * poll's choice, so "latest" falls back to the newest version that loads), and then unloads the
 * loaded ones no longer chosen, but only once a chosen one is available: a version that fails to
 * load never leaves the server with nothing to serve. A version that failed {@value #MAX_ATTEMPTS}
 * times is given up until the server restarts. Polls run one at a time on the
 * watcher's own thread, {@code interval} apart.
 */
public final class VersionWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VersionWatcher.class.getName());
    static final int MAX_ATTEMPTS = 3;

    private final ModelRepository repository;
    private final VersionLoader loader;
    private final ServableRegistry registry;
    private final VersionPolicy policy;
    private final Duration interval;
    private final ServeMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private final Map<Long, VersionLoader.Loaded> loaded = new HashMap<>();
    private final Map<Long, Integer> failures = new HashMap<>();
    /** Versions not loaded because storage holds them incomplete or corrupt, and why (told once). */
    private final Map<Long, String> refused = new HashMap<>();

    private boolean closed;

    public VersionWatcher(
            ModelRepository repository,
            VersionLoader loader,
            ServableRegistry registry,
            VersionPolicy policy,
            Duration interval,
            ServeMetrics metrics) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "serve-watcher-" + registry.modelName());
            t.setDaemon(true);
            return t;
        });
    }

    /** Polls every {@code interval} on the watcher's thread, the first time one interval from now. */
    public void start() {
        scheduler.scheduleWithFixedDelay(
                this::pollQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * One poll, on the calling thread.
     *
     * @return the versions answering requests afterwards
     */
    public synchronized List<Long> pollOnce() {
        if (closed) {
            return List.of();
        }
        List<VersionStatus> statuses;
        try {
            statuses = repository.list();
        } catch (IOException | RuntimeException e) {
            // ModelRepository's messages are redacted; keep serving what is loaded.
            LOG.log(
                    System.Logger.Level.WARNING,
                    "listing " + repository.uri() + " failed, serving " + loaded.keySet() + " until the next poll: "
                            + e.getMessage());
            return servingNow();
        }
        Map<Long, VersionStatus> candidates = new LinkedHashMap<>();
        for (VersionStatus status : statuses) {
            if (status.isComplete()) {
                refused.remove(status.version());
                if (failures.getOrDefault(status.version(), 0) < MAX_ATTEMPTS) {
                    candidates.put(status.version(), status);
                }
            } else {
                refuse(status);
            }
        }
        // A chosen version that fails to load drops out of this poll's candidates, so "latest" falls back
        // to the newest version that loads instead of serving nothing.
        NavigableSet<Long> chosen;
        while (true) {
            chosen = policy.select(candidates.keySet());
            boolean failed = false;
            for (long version : chosen.descendingSet()) {
                if (!loaded.containsKey(version) && !load(candidates.get(version))) {
                    candidates.remove(version);
                    failed = true;
                }
            }
            if (!failed || chosen.stream().anyMatch(loaded::containsKey)) {
                break;
            }
        }
        boolean chosenAvailable = chosen.stream().anyMatch(loaded::containsKey);
        if (chosenAvailable) {
            for (long version : new ArrayList<>(loaded.keySet())) {
                if (!chosen.contains(version)) {
                    unload(version);
                }
            }
        }
        return servingNow();
    }

    /** Stops polling (waiting for a poll in progress) and unloads every version. */
    @Override
    public void close() {
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(2, TimeUnit.MINUTES)) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "a poll of " + repository.uri() + " is still running after 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            closed = true;
            for (long version : new ArrayList<>(loaded.keySet())) {
                unload(version);
            }
        }
    }

    private void pollQuietly() {
        try {
            pollOnce();
        } catch (RuntimeException e) {
            // never let one bad poll stop the schedule
            LOG.log(System.Logger.Level.ERROR, "polling " + repository.uri() + " failed unexpectedly", e);
        }
    }

    /**
     * A version that is not COMPLETE is never loaded; say so once per reason, naming the files. A
     * corrupt one (its files disagree with its manifest) is also reported by the status API as failed
     * with DATA_LOSS, like a version whose hashes fail at load. One without manifest is only logged: on
     * S3 it is a publish in progress, which the status API should not call a failure.
     */
    private void refuse(VersionStatus status) {
        long version = status.version();
        String problems = status.problems().stream().map(Object::toString).collect(Collectors.joining("; "));
        if (problems.equals(refused.put(version, problems))) {
            return;
        }
        if (status.state() == VersionState.CORRUPT) {
            String message =
                    "version " + version + " does not match its manifest: " + problems + "; the version is not served";
            if (!loaded.containsKey(version)) {
                registry.report(VersionReport.failed(version, "DATA_LOSS", message));
            }
            LOG.log(System.Logger.Level.WARNING, registry.modelName() + " " + message + " (" + status.uri() + ")");
        } else {
            LOG.log(
                    System.Logger.Level.INFO,
                    registry.modelName() + " version " + version + " is " + status.state()
                            + " (" + problems
                            + "): a publish in progress or an interrupted copy; not served until complete ("
                            + status.uri() + ")");
        }
    }

    /** Loads {@code status}; false (reported, logged, counted) when it failed. */
    private boolean load(VersionStatus status) {
        long version = status.version();
        registry.report(VersionReport.of(version, ServingState.LOADING));
        long started = System.nanoTime();
        try {
            VersionLoader.Loaded done = loader.load(registry.modelName(), status);
            loaded.put(version, done);
            failures.remove(version);
            registry.add(done.servable());
            long loadNanos = System.nanoTime() - started;
            metrics.versionLoaded(version, loadNanos);
            LOG.log(
                    System.Logger.Level.INFO,
                    registry.modelName() + " version " + version + " loaded in "
                            + TimeUnit.NANOSECONDS.toMillis(loadNanos) + " ms and serving");
            return true;
        } catch (VersionLoadException e) {
            int attempts = failures.merge(version, 1, Integer::sum);
            registry.report(VersionReport.failed(version, e.errorCode(), e.getMessage()));
            metrics.versionLoadFailed();
            LOG.log(
                    System.Logger.Level.WARNING,
                    e.getMessage() + " (attempt " + attempts + " of " + MAX_ATTEMPTS + ")"
                            + (e.getCause() == null ? "" : "; cause: " + e.getCause()));
            return false;
        }
    }

    private void unload(long version) {
        VersionLoader.Loaded done = loaded.remove(version);
        registry.remove(version);
        long started = System.nanoTime();
        try {
            loader.unload(done);
        } finally {
            metrics.versionUnloaded(version);
            registry.report(VersionReport.of(version, ServingState.END));
        }
        LOG.log(
                System.Logger.Level.INFO,
                registry.modelName() + " version " + version
                        + " unloaded after its requests finished ("
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
                        + " ms)");
    }

    private List<Long> servingNow() {
        return registry.available().stream().map(ServableVersion::version).toList();
    }
}
