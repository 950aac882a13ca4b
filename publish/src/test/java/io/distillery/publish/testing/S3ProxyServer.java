package io.distillery.publish.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;

/**
 * An S3-compatible server for tests: s3proxy ({@code org.gaul:s3proxy:4.1.0:jar-with-dependencies})
 * in its own JVM on a free 127.0.0.1 port, storing buckets as directories under a data directory
 * (jclouds {@code filesystem} provider). The build copies the jar and names it in the system property
 * {@value #JAR_PROPERTY}; see this module's pom.
 *
 * <pre>{@code
 * try (S3ProxyServer s3 = S3ProxyServer.start(tempDir)) {
 *     s3.createBucket("models");
 *     FileSystem fs = FileSystem.newInstance(URI.create("s3a://models/"), s3.s3aConfiguration());
 * }
 * }</pre>
 */
public final class S3ProxyServer implements AutoCloseable {

    /** System property holding the path of the s3proxy jar-with-dependencies. */
    public static final String JAR_PROPERTY = "s3proxy.jar";
    /** Access key the server accepts. */
    public static final String IDENTITY = "distillery-test-identity";
    /** Secret key the server accepts; distinctive so tests can assert it never leaks. */
    public static final String CREDENTIAL = "distillery-test-credential-7c41e9";

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final long START_TIMEOUT_MILLIS = 60_000;
    private static final int START_TRIES = 3;

    private final Process process;
    private final String address;
    private final int port;
    private final Path dataDir;
    private final Path log;
    private final Thread shutdownHook;

    private S3ProxyServer(Process process, String address, int port, Path dataDir, Path log) {
        this.process = process;
        this.address = address;
        this.port = port;
        this.dataDir = dataDir;
        this.log = log;
        this.shutdownHook = new Thread(
                () -> {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                },
                "s3proxy-" + port + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a read-write server keeping its buckets under {@code workDir/data}. */
    public static S3ProxyServer start(Path workDir) throws IOException {
        return start(workDir, workDir.resolve("data"), false);
    }

    /**
     * Starts a server on {@code dataDir} (which may be shared with another server) writing its
     * configuration and log to {@code workDir}. A read-only server refuses every write.
     */
    public static S3ProxyServer start(Path workDir, Path dataDir, boolean readOnly) throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= START_TRIES; attempt++) {
            try {
                return start(workDir, dataDir, readOnly, "127.0.0.1", freePort(), ProcessBuilder::new);
            } catch (IOException e) {
                last = e; // another process took the port meanwhile
            }
        }
        throw last;
    }

    /**
     * Starts a read-write server listening on {@code address:port}, its JVM started by {@code launcher}
     * (which may run the command elsewhere, e.g. in another network namespace where {@code address}
     * is that host's own).
     */
    public static S3ProxyServer start(
            Path workDir, String address, int port, Function<List<String>, ProcessBuilder> launcher)
            throws IOException {
        return start(workDir, workDir.resolve("data"), false, address, port, launcher);
    }

    private static S3ProxyServer start(
            Path workDir,
            Path dataDir,
            boolean readOnly,
            String address,
            int port,
            Function<List<String>, ProcessBuilder> launcher)
            throws IOException {
        Path jar = jar();
        Files.createDirectories(workDir);
        Files.createDirectories(dataDir);
        Path config = workDir.resolve("s3proxy-" + port + ".conf");
        Path log = workDir.resolve("s3proxy-" + port + ".log");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "s3proxy.endpoint=http://" + address + ":" + port,
                        "s3proxy.authorization=aws-v2-or-v4",
                        "s3proxy.identity=" + IDENTITY,
                        "s3proxy.credential=" + CREDENTIAL,
                        "s3proxy.read-only-blobstore=" + readOnly,
                        "jclouds.provider=filesystem",
                        "jclouds.filesystem.basedir=" + dataDir.toAbsolutePath(),
                        ""),
                StandardCharsets.UTF_8);
        Process process = launcher.apply(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-DLOG_LEVEL=warn",
                        "-jar",
                        jar.toString(),
                        "--properties",
                        config.toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            awaitListening(process, address, port, log);
            return new S3ProxyServer(process, address, port, dataDir, log);
        } catch (IOException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw e;
        }
    }

    /** The HTTP endpoint, {@code http://127.0.0.1:<port>} unless started on another address. */
    public URI endpoint() {
        return URI.create("http://" + address + ":" + port);
    }

    public int port() {
        return port;
    }

    /** The directory holding one sub-directory per bucket. */
    public Path dataDir() {
        return dataDir;
    }

    /** Creates a bucket (S3A never does): a directory in the filesystem backend. */
    public void createBucket(String bucket) {
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException(
                    "bucket name must match " + BUCKET.pattern() + ", found '" + bucket + "'");
        }
        try {
            Files.createDirectories(dataDir.resolve(bucket));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create bucket directory " + dataDir.resolve(bucket), e);
        }
    }

    /**
     * A Hadoop configuration whose {@code s3a://} talks to this server: path-style, plain HTTP, static
     * credentials, region us-east-1, and few retries so a failing test fails in seconds.
     */
    public Configuration s3aConfiguration() {
        Configuration conf = new Configuration();
        conf.set("fs.s3a.endpoint", endpoint().toString());
        conf.set("fs.s3a.endpoint.region", "us-east-1");
        conf.setBoolean("fs.s3a.path.style.access", true);
        conf.setBoolean("fs.s3a.connection.ssl.enabled", false);
        conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        conf.set("fs.s3a.access.key", IDENTITY);
        conf.set("fs.s3a.secret.key", CREDENTIAL);
        conf.setInt("fs.s3a.attempts.maximum", 2);
        conf.setInt("fs.s3a.retry.limit", 2);
        conf.set("fs.s3a.retry.interval", "50ms");
        conf.set("fs.s3a.connection.establish.timeout", "5s");
        return conf;
    }

    /** The server's log, for failure messages. */
    public String logTail() {
        return tail(log);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy); // a launcher's java child
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down; the hook runs anyway.
            }
        }
    }

    private static Path jar() {
        String property = System.getProperty(JAR_PROPERTY);
        if (property == null || property.isBlank()) {
            throw new IllegalStateException("system property " + JAR_PROPERTY + " is not set; expected the path of"
                    + " org.gaul:s3proxy:4.1.0:jar-with-dependencies, which the build copies to"
                    + " target/test-tools/s3proxy.jar (run the tests through Maven)");
        }
        Path jar = Path.of(property);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("system property " + JAR_PROPERTY + " names " + jar
                    + ", which does not exist; expected the jar copied by 'mvn test' (phase generate-test-resources)");
        }
        return jar;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static void awaitListening(Process process, String address, int port, Path log) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("s3proxy exited with code " + process.exitValue() + " before listening on "
                        + address + ":" + port + "; its log " + log + " ends:\n" + tail(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(address, port), 200);
                return;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        throw new IOException("s3proxy did not listen on " + address + ":" + port + " within " + START_TIMEOUT_MILLIS
                + " ms; its log " + log + " ends:\n" + tail(log));
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for s3proxy", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(Objects.requireNonNull(log), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }
}
