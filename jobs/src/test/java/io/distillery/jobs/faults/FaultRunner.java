package io.distillery.jobs.faults;

import io.distillery.jobs.CliHarness;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs CLI fault cases through the real CLI ({@link CliHarness}), each in its own directory, and
 * checks exit code, message (in the CLI's output or on stderr), the versions that appeared under the
 * publish base path {@code <dir>/models}, and the case's own check.
 */
public final class FaultRunner {
    private FaultRunner() {}

    public static List<FaultOutcome> runAll(List<FaultCase> cases, Path root) throws Exception {
        List<FaultOutcome> out = new ArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fault-case");
            t.setDaemon(true);
            return t;
        });
        try {
            for (FaultCase c : cases) {
                Path dir = Files.createDirectories(root.resolve(c.name()));
                out.add(run(c, dir, pool));
            }
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    static FaultOutcome run(FaultCase c, Path dir, ExecutorService pool) throws Exception {
        try {
            String[] args;
            try {
                args = c.args().build(dir).toArray(new String[0]);
            } catch (Exception e) {
                return notRun(c, "planting the fault failed: " + e);
            }
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            PrintStream originalErr = System.err;
            System.setErr(new PrintStream(new Tee(originalErr, stderr), true, StandardCharsets.UTF_8));
            long start = System.nanoTime();
            Future<CliHarness.Result> f = pool.submit(() -> CliHarness.run(args));
            CliHarness.Result r;
            try {
                r = f.get(2 * c.timeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                double s = (System.nanoTime() - start) / 1e9;
                PublishedVersions v = PublishedVersions.under(dir.resolve("models"));
                return new FaultOutcome(
                        c,
                        FaultOutcome.HUNG,
                        s,
                        false,
                        v.numbered(),
                        v.complete(),
                        false,
                        List.of(),
                        "HUNG past 2x timeout");
            } catch (ExecutionException e) {
                // Thrown past the CLI's exception handler (an Error): the real CLI would die with a stack trace.
                double s = (System.nanoTime() - start) / 1e9;
                PublishedVersions v = PublishedVersions.under(dir.resolve("models"));
                return new FaultOutcome(
                        c,
                        FaultOutcome.CRASHED,
                        s,
                        false,
                        v.numbered(),
                        v.complete(),
                        s <= 2 * c.timeout().toSeconds(),
                        List.of("the CLI crashed: " + e.getCause()),
                        String.valueOf(e.getCause()));
            } finally {
                System.setErr(originalErr);
            }
            double s = (System.nanoTime() - start) / 1e9;
            // The CLI's error stream plus what the job printed to stderr itself (e.g. a skipped checkpoint).
            CliHarness.Result all =
                    new CliHarness.Result(r.exitCode(), r.out(), r.err() + stderr.toString(StandardCharsets.UTF_8));
            boolean found = (all.err() + "\n" + all.out()).contains(c.fragmentIn(dir));
            boolean inTime = s <= 2 * c.timeout().toSeconds();
            PublishedVersions v = PublishedVersions.under(dir.resolve("models"));
            List<String> problems = check(c, dir, all);
            return new FaultOutcome(
                    c,
                    r.exitCode(),
                    s,
                    found,
                    v.numbered(),
                    v.complete(),
                    inTime,
                    problems,
                    c.expectsSuccess() ? lineWith(all, c.fragmentIn(dir)) : firstError(r));
        } finally {
            if (c.cleanup() != null) {
                c.cleanup().run(dir);
            }
        }
    }

    private static List<String> check(FaultCase c, Path dir, CliHarness.Result r) {
        if (c.check() == null) {
            return List.of();
        }
        try {
            return c.check().problems(dir, r);
        } catch (Exception | AssertionError e) {
            return List.of("check failed: " + e);
        }
    }

    private static FaultOutcome notRun(FaultCase c, String why) {
        return new FaultOutcome(c, FaultOutcome.NOT_RUN, 0, false, 0, 0, true, List.of(why), why);
    }

    /** The first non-blank stderr line (the error message), else the last stdout line. */
    static String firstError(CliHarness.Result r) {
        for (String line : r.err().split("\n")) {
            if (!line.isBlank()) {
                return line.strip();
            }
        }
        String[] out = r.out().strip().split("\n");
        return out.length == 0 ? "" : out[out.length - 1].strip();
    }

    /** The output line holding {@code fragment} (what a case that succeeds shows), else the last one. */
    static String lineWith(CliHarness.Result r, String fragment) {
        for (String line : (r.out() + "\n" + r.err()).split("\n")) {
            if (line.contains(fragment)) {
                return line.strip();
            }
        }
        return firstError(r);
    }

    /** Writes to the console and to a capture. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }
}
