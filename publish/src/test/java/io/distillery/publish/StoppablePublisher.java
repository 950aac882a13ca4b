package io.distillery.publish;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;

/**
 * A publisher in its own JVM that stops after every change it makes to the store until told to go
 * on, so a test can SIGKILL it at an exact point: {@link #run} starts it, waits for each change, lets
 * {@code beforeNext} look at the store, and kills the process after change number {@code killAfter}.
 *
 * <p>The child's protocol on stdout: {@code CHANGE <n> <kind> <uri>} after each change (then it
 * reads one line from stdin before going on), {@code DONE <version>} at the end.
 */
final class StoppablePublisher {

    /** How the child ended: killed after {@code changes} changes, or done with {@code version}. */
    record Outcome(boolean killed, List<String> changes, long version) {}

    /** Run between changes, with the child paused. */
    @FunctionalInterface
    interface Pause {
        void after(String change) throws Exception;
    }

    private static final Duration HANG_GUARD = Duration.ofMinutes(2);

    private StoppablePublisher() {}

    /** The child: {@code <conf.xml> <model uri> <export dir> <run id>}. */
    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        conf.addResource(new org.apache.hadoop.fs.Path(args[0]));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int[] count = {0};
        PublishListener pause = (change, target) -> {
            out.println("CHANGE " + ++count[0] + " " + change + " " + target);
            try {
                if (in.readLine() == null) {
                    Runtime.getRuntime().halt(3); // the test went away
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        PublishOptions options = PublishOptions.defaults().withListener(pause);
        try (ModelRepository repo = ModelRepository.open(URI.create(args[1]), conf, options)) {
            PublishResult result =
                    repo.publish(java.nio.file.Path.of(args[2]), args[3], Map.of("metrics", Map.of("accuracy", 0.5)));
            out.println("DONE " + result.version());
        }
    }

    /**
     * Publishes {@code export} as {@code runId} in a child JVM, calling {@code pause} after each change
     * while the child waits, and SIGKILLs the child right after change {@code killAfter} (before
     * {@code pause}); {@code killAfter} beyond the publish's last change lets it finish.
     */
    static Outcome run(
            Configuration conf,
            java.nio.file.Path work,
            URI model,
            java.nio.file.Path export,
            String runId,
            int killAfter,
            Pause pause)
            throws Exception {
        java.nio.file.Path confXml = work.resolve("publisher-conf-" + runId + ".xml");
        try (var xml = Files.newOutputStream(confXml)) {
            conf.writeXml(xml);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "-cp",
                        cp,
                        StoppablePublisher.class.getName(),
                        confXml.toString(),
                        model.toString(),
                        export.toString(),
                        runId)
                .redirectError(work.resolve("publisher-" + runId + ".log").toFile())
                .start();
        List<String> changes = new ArrayList<>();
        try (BufferedReader lines =
                        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                Writer go = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("DONE ")) {
                    requireExit(child, 0, work, runId);
                    return new Outcome(
                            false, changes, Long.parseLong(line.substring(5).trim()));
                }
                if (!line.startsWith("CHANGE ")) {
                    continue;
                }
                changes.add(line.substring("CHANGE ".length()));
                if (changes.size() == killAfter) {
                    child.destroyForcibly(); // SIGKILL: no finally block, no clean-up, no shutdown hook
                    requireExit(child, 137, work, runId);
                    return new Outcome(true, changes, -1);
                }
                pause.after(changes.get(changes.size() - 1));
                go.write("go\n");
                go.flush();
            }
        } finally {
            child.destroyForcibly();
        }
        requireExit(child, 0, work, runId);
        throw new AssertionError("publisher of " + runId + " ended without DONE; stderr in " + work);
    }

    private static void requireExit(Process child, int expected, java.nio.file.Path work, String runId)
            throws Exception {
        if (!child.waitFor(HANG_GUARD.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("publisher of " + runId + " did not end");
        }
        if (child.exitValue() != expected) {
            throw new AssertionError("publisher of " + runId + " exited " + child.exitValue() + ", expected " + expected
                    + ":\n" + Files.readString(work.resolve("publisher-" + runId + ".log")));
        }
    }
}
