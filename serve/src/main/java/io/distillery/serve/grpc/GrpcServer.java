package io.distillery.serve.grpc;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The gRPC server (Netty, shaded inside grpc-java) behind the PredictionService. */
public final class GrpcServer implements AutoCloseable {
    private final Server server;
    private final ExecutorService executor;

    private GrpcServer(Server server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds and starts.
     *
     * @param port            0 for any free port
     * @param maxMessageBytes the largest request accepted (larger: RESOURCE_EXHAUSTED)
     * @param threads         calls handled at once (each may wait for a batch)
     */
    public static GrpcServer start(
            String host, int port, PredictionGrpcService service, long maxMessageBytes, int threads)
            throws IOException {
        AtomicInteger counter = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "serve-grpc-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                    .addService(service)
                    .executor(executor)
                    .maxInboundMessageSize((int) Math.min(maxMessageBytes, Integer.MAX_VALUE))
                    .build()
                    .start();
            return new GrpcServer(server, executor);
        } catch (IOException | RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
    }

    public int port() {
        return server.getPort();
    }

    /** Stops accepting calls, lets running ones finish (up to 10 s), then stops. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            executor.shutdownNow();
        }
    }
}
