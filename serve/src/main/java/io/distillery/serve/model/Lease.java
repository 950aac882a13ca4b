package io.distillery.serve.model;

/**
 * The right to run one request on a version: while any lease is open the version stays loaded.
 * Close it in try-with-resources; closing twice is harmless.
 */
public final class Lease implements AutoCloseable {
    private final ServableVersion version;
    private boolean released;

    Lease(ServableVersion version) {
        this.version = version;
    }

    public ServableVersion version() {
        if (released) {
            throw new IllegalStateException("lease on " + version + " is closed; acquire a new one to run a request");
        }
        return version;
    }

    @Override
    public void close() {
        if (!released) {
            released = true;
            version.release();
        }
    }
}
