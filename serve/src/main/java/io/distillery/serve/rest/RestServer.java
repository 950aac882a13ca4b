package io.distillery.serve.rest;

import java.io.IOException;
import java.util.Objects;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty server behind the REST API: one HTTP/1.1 connector, a bounded thread pool, JSON errors,
 * and a graceful stop that lets running requests finish (up to 10 s).
 */
public final class RestServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;

    /**
     * Binds and starts.
     *
     * @param host    the address to listen on, e.g. {@code 0.0.0.0} or {@code 127.0.0.1}
     * @param port    the port, 0 for any free one
     * @param threads Jetty's request threads (each may wait for a batch)
     */
    public static RestServer start(String host, int port, RestHandler handler, int threads) throws Exception {
        RestServer rest = new RestServer(host, port, handler, threads);
        try {
            rest.server.start();
        } catch (Exception e) {
            rest.close();
            throw e;
        }
        return rest;
    }

    private RestServer(String host, int port, RestHandler handler, int threads) {
        Objects.requireNonNull(handler, "handler");
        QueuedThreadPool pool = new QueuedThreadPool(threads, Math.min(threads, 4));
        pool.setName("serve-rest");
        pool.setDaemon(true);
        server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new GracefulHandler(handler));
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(10_000);
    }

    /** The port bound (useful when started on port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** Stops accepting, lets running requests finish (up to 10 s), and stops. */
    @Override
    public void close() throws IOException {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IOException("stopping the REST server failed", e);
        }
    }
}
