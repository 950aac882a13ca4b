package io.distillery.serve.model;

import io.distillery.serve.status.ServingException;
import io.distillery.serve.status.ServingStatus;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The versions of one model that answer requests, and what the status API reports about every version
 * it has seen.
 *
 * <p>Readers take an immutable snapshot and lease a version from it without locking; the watcher
 * publishes a new snapshot before it retires an old version, so a reader that finds its version
 * retired finds the newer one on its next look.
 */
public final class ServableRegistry {
    /** Unloaded or failed versions kept in the status report, newest first. */
    private static final int ENDED_KEPT = 16;

    private final String modelName;
    private volatile NavigableMap<Long, ServableVersion> available = Collections.emptyNavigableMap();
    private final ConcurrentSkipListMap<Long, VersionReport> reports = new ConcurrentSkipListMap<>();

    public ServableRegistry(String modelName) {
        this.modelName = Objects.requireNonNull(modelName, "modelName");
    }

    public String modelName() {
        return modelName;
    }

    /**
     * Leases {@code version}, or the newest available version when empty.
     *
     * @throws ServingException NOT_FOUND for a version that is not loaded, UNAVAILABLE while none is
     */
    public Lease acquire(OptionalLong version) throws ServingException {
        while (true) {
            NavigableMap<Long, ServableVersion> snapshot = available;
            ServableVersion chosen;
            if (version.isPresent()) {
                chosen = snapshot.get(version.getAsLong());
                if (chosen == null) {
                    throw ServingException.notFound("Servable not found for request: Specific(" + modelName + ", "
                            + version.getAsLong() + "); loaded versions are " + snapshot.keySet());
                }
            } else {
                if (snapshot.isEmpty()) {
                    throw new ServingException(
                            ServingStatus.UNAVAILABLE,
                            "Servable not found for request: Latest(" + modelName
                                    + "); no version is loaded yet, retry shortly");
                }
                chosen = snapshot.lastEntry().getValue();
            }
            Optional<Lease> lease = chosen.tryAcquire();
            if (lease.isPresent()) {
                return lease.get();
            }
            if (available == snapshot) {
                // Retired but still in this snapshot: only possible while the server closes.
                throw new ServingException(
                        ServingStatus.UNAVAILABLE,
                        modelName + " version " + chosen.version() + " is unloading and no other version is available");
            }
        }
    }

    /** The versions answering requests, oldest first. */
    public List<ServableVersion> available() {
        return List.copyOf(available.values());
    }

    /** Every version's report, newest first. */
    public List<VersionReport> reports() {
        return List.copyOf(reports.descendingMap().values());
    }

    /** The report of {@code version}, if this server has seen it. */
    public Optional<VersionReport> report(long version) {
        return Optional.ofNullable(reports.get(version));
    }

    void report(VersionReport report) {
        reports.put(report.version(), report);
        while (reports.size() > ENDED_KEPT) {
            Map.Entry<Long, VersionReport> oldest = reports.entrySet().stream()
                    .filter(e -> e.getValue().state() == ServingState.END)
                    .findFirst()
                    .orElse(null);
            if (oldest == null) {
                break;
            }
            reports.remove(oldest.getKey());
        }
    }

    /** Makes {@code version} answer requests. */
    synchronized void add(ServableVersion version) {
        NavigableMap<Long, ServableVersion> next = new TreeMap<>(available);
        if (next.putIfAbsent(version.version(), version) != null) {
            throw new IllegalStateException(modelName + " version " + version.version() + " is loaded already");
        }
        available = Collections.unmodifiableNavigableMap(next);
        report(VersionReport.of(version.version(), ServingState.AVAILABLE));
    }

    /**
     * Stops routing requests to {@code version} and retires it; the caller closes it (which waits for
     * its requests).
     */
    synchronized Optional<ServableVersion> remove(long version) {
        ServableVersion removed = available.get(version);
        if (removed == null) {
            return Optional.empty();
        }
        NavigableMap<Long, ServableVersion> next = new TreeMap<>(available);
        next.remove(version);
        available = Collections.unmodifiableNavigableMap(next);
        removed.retire();
        report(VersionReport.of(version, ServingState.UNLOADING));
        return Optional.of(removed);
    }
}
