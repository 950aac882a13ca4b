package io.distillery.jobs;

import io.distillery.jobs.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/** Runs the real CLI in-process against a shared local Spark session and captures its output. */
public final class CliHarness {
    private static SparkSession spark;

    private CliHarness() {}

    /**
     * One local Spark for the whole test JVM (commands reuse it instead of starting their own), or the
     * session a test put in its place with {@link #use}.
     */
    public static synchronized SparkSession spark() {
        if (spark != null && spark.sparkContext().isStopped()) {
            spark = null;
        }
        if (spark == null) {
            spark = SparkSession.builder()
                    .master("local[2]")
                    .appName("distillery-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.barrier.sync.timeout", "300")
                    .getOrCreate();
        }
        SparkSession.setActiveSession(spark);
        return spark;
    }

    /**
     * Runs the following commands against {@code session} (e.g. one on a standalone cluster) instead of
     * the local one: the local session is stopped first, since a JVM holds one SparkContext. Stop the
     * given session when done; the next command then starts a fresh local one.
     */
    public static synchronized void use(SparkSession session) {
        spark = session;
        SparkSession.setActiveSession(session);
        SparkSession.setDefaultSession(session);
    }

    /** Stops the current session (the local one is re-created on demand). */
    public static synchronized void stopSpark() {
        if (spark != null) {
            spark.stop();
            spark = null;
        }
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    /** Exit code, stdout and stderr of one command. */
    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "\n--- err\n" + err;
        }
    }

    public static synchronized Result run(String... args) {
        spark();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream oldOut = System.out;
        try (PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }
}
