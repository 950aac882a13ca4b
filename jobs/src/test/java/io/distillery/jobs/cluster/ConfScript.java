package io.distillery.jobs.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one of the scripts in {@code cluster-conf/} that tests share with users, and returns its output. */
final class ConfScript {
    private ConfScript() {}

    /**
     * {@code bash <script> <args>} with {@code env} added; fails naming the script, its arguments and its
     * output if it exits non-zero or outlives {@code limit}.
     */
    static String run(Path script, Map<String, String> env, Duration limit, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String what = script.getFileName() + " " + String.join(" ", args);
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException(what + " did not finish:\n" + out);
        }
        if (p.exitValue() != 0) {
            throw new IOException(what + " failed (exit " + p.exitValue() + "):\n" + out);
        }
        return out;
    }
}
