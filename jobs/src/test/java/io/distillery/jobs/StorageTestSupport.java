package io.distillery.jobs;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Shared by the hdfs:// and s3a:// pipeline tests: a tiny job, session Hadoop settings, log capture. */
public final class StorageTestSupport {
    private StorageTestSupport() {}

    /** A tiny job (seconds of training) reading {@code train}/{@code test} and writing under the URIs given. */
    static String tinyJob(
            String runDir, String train, String test, String format, String basePath, Map<String, String> sparkConf) {
        List<String> lines = new ArrayList<>(List.of(
                "name: tiny",
                "run_dir: " + runDir,
                "data:",
                "  train: " + train,
                "  test: " + test,
                "  format: " + format,
                "  limit: 1200",
                "  test_limit: 1000"));
        lines.addAll(TinyJob.MODELS);
        lines.addAll(List.of("export:", "  latency_calls: 20"));
        lines.addAll(List.of("publish:", "  base_path: " + basePath, "  stale_age: 2h"));
        if (!sparkConf.isEmpty()) {
            lines.add("spark:");
            lines.add("  conf:");
            sparkConf.forEach((k, v) -> lines.add("    " + k + ": '" + v + "'"));
        }
        return String.join("\n", lines) + "\n";
    }

    /**
     * A nearest-centroid classifier of the first {@code rows} Fashion-MNIST training images, saved as Keras
     * lays a SavedModel out ({@code conv2d_input} of shape {@code [-1, 28, 28, 1]}, softmax output
     * {@code dense_1}): a real, if weak (about 0.68), teacher that a test can write anywhere.
     */
    public static void centroidTeacher(java.nio.file.Path dir, int rows) throws IOException {
        java.nio.file.Path fashion = java.nio.file.Path.of(io.distillery.jobs.data.DataLoader.FASHION_DIR);
        io.distillery.core.data.IdxReader.Images images;
        int[] labels;
        try (java.io.InputStream in =
                java.nio.file.Files.newInputStream(fashion.resolve("train-images-idx3-ubyte.gz"))) {
            images = io.distillery.core.data.IdxReader.readImages(in, "train images");
        }
        try (java.io.InputStream in =
                java.nio.file.Files.newInputStream(fashion.resolve("train-labels-idx1-ubyte.gz"))) {
            labels = io.distillery.core.data.IdxReader.readLabels(in, "train labels");
        }
        int width = 784;
        float[][] kernel = new float[width][10];
        float[] bias = new float[10];
        int[] counts = new int[10];
        for (int r = 0; r < rows; r++) {
            counts[labels[r]]++;
            for (int i = 0; i < width; i++) {
                kernel[i][labels[r]] += images.pixels()[r * width + i];
            }
        }
        // logit_c = x · m_c − |m_c|² / 2: the class whose mean image is nearest wins.
        for (int c = 0; c < 10; c++) {
            double norm = 0;
            for (int i = 0; i < width; i++) {
                kernel[i][c] /= Math.max(1, counts[c]);
                norm += kernel[i][c] * kernel[i][c];
            }
            bias[c] = (float) (-norm / 2);
        }
        io.distillery.core.testing.KerasLikeSavedModel.write(
                dir,
                "serving_default",
                "conv2d_input",
                new long[] {-1, 28, 28, 1},
                "dense_1",
                kernel,
                bias,
                true,
                false);
    }

    /**
     * The first {@code rows} items of a gzipped IDX file (images or labels) as a gzipped IDX file: a
     * small data set in the real format, so the tests do not decompress 60,000 images again and again.
     */
    static void idxSlice(java.nio.file.Path gz, int rows, java.io.OutputStream out) throws IOException {
        try (java.io.DataInputStream in = new java.io.DataInputStream(
                        new java.util.zip.GZIPInputStream(java.nio.file.Files.newInputStream(gz)));
                java.io.DataOutputStream o = new java.io.DataOutputStream(new java.util.zip.GZIPOutputStream(out))) {
            int magic = in.readInt();
            int dims = magic & 0xff;
            int count = in.readInt();
            if (rows > count) {
                throw new IllegalArgumentException(gz + " holds " + count + " items, fewer than " + rows);
            }
            o.writeInt(magic);
            o.writeInt(rows);
            long itemSize = 1;
            for (int d = 1; d < dims; d++) {
                int size = in.readInt();
                o.writeInt(size);
                itemSize *= size;
            }
            byte[] items = new byte[Math.toIntExact(itemSize * rows)];
            in.readFully(items);
            o.write(items);
        }
    }

    /** A 127.0.0.1 port nothing listens on. */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    /**
     * Settings put on the shared test session's Hadoop configuration (what {@code spark.hadoop.*} does
     * for a session a job creates itself), undone by {@link #restore}.
     */
    static final class SessionHadoopSettings {
        private final Map<String, String> previous = new HashMap<>();

        void set(String key, String value) {
            Configuration conf = CliHarness.spark().sparkContext().hadoopConfiguration();
            previous.putIfAbsent(key, conf.getRaw(key));
            conf.set(key, value);
        }

        void setAll(Map<String, String> settings) {
            settings.forEach(this::set);
        }

        void restore() {
            Configuration conf = CliHarness.spark().sparkContext().hadoopConfiguration();
            previous.forEach((k, v) -> {
                if (v == null) {
                    conf.unset(k);
                } else {
                    conf.set(k, v);
                }
            });
            previous.clear();
        }
    }

    /** The settings of {@code conf} that were set in code (not defaults from XML files). */
    public static Map<String, String> programmatic(Configuration conf, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : conf) {
            String[] sources = conf.getPropertySources(e.getKey());
            if (e.getKey().startsWith(prefix)
                    && sources != null
                    && List.of(sources).contains("programmatically")) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** Lowers chatty loggers (the NameNode's audit log, block reports, Spark's scheduler) to WARN. */
    static final class QuietLogs {
        private final Map<String, Level> previous = new LinkedHashMap<>();

        void quiet(String... loggers) {
            for (String name : loggers) {
                previous.putIfAbsent(name, LogManager.getLogger(name).getLevel());
                org.apache.logging.log4j.core.config.Configurator.setLevel(name, Level.WARN);
            }
        }

        void restore() {
            previous.forEach(org.apache.logging.log4j.core.config.Configurator::setLevel);
            previous.clear();
        }
    }

    /** Every log event of the JVM at INFO and above, with its stack trace, while installed. */
    static final class LogCapture extends AbstractAppender implements AutoCloseable {
        private final StringBuffer text = new StringBuffer();
        private final Level previousRoot;

        LogCapture() {
            super("storage-test-capture", null, null, true, Property.EMPTY_ARRAY);
            start();
            LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
            org.apache.logging.log4j.core.config.Configuration config = ctx.getConfiguration();
            previousRoot = config.getRootLogger().getLevel();
            if (previousRoot.isMoreSpecificThan(Level.INFO) && previousRoot != Level.INFO) {
                config.getRootLogger().setLevel(Level.INFO);
            }
            config.getRootLogger().addAppender(this, Level.INFO, null);
            ctx.updateLoggers();
        }

        @Override
        public void append(LogEvent event) {
            text.append(event.getLevel())
                    .append(' ')
                    .append(event.getLoggerName())
                    .append(": ")
                    .append(event.getMessage().getFormattedMessage())
                    .append('\n');
            if (event.getThrown() != null) {
                java.io.StringWriter trace = new java.io.StringWriter();
                event.getThrown().printStackTrace(new java.io.PrintWriter(trace));
                text.append(trace).append('\n');
            }
        }

        String text() {
            return text.toString();
        }

        @Override
        public void close() {
            LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
            org.apache.logging.log4j.core.config.Configuration config = ctx.getConfiguration();
            config.getRootLogger().removeAppender(getName());
            config.getRootLogger().setLevel(previousRoot);
            ctx.updateLoggers();
            stop();
        }
    }
}
