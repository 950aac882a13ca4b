package io.distillery.jobs.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillery.jobs.CliHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Runs fault cases through the real CLI ({@link CliHarness}), each in its own directory, and checks
 * exit code, message and that no numbered version appeared under the publish base path.
 */
public final class FaultRunner {
  public static final String COMMAND =
      "mvn -B -o test -pl jobs -Dtest='io.distillery.jobs.faults.*Test' -DskipITs -Dfaults.write=true";

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
    String[] args = c.args().build(dir).toArray(new String[0]);
    long start = System.nanoTime();
    Future<CliHarness.Result> f = pool.submit(() -> CliHarness.run(args));
    CliHarness.Result r;
    try {
      r = f.get(2 * c.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      double s = (System.nanoTime() - start) / 1e9;
      return new FaultOutcome(c, -1, s, false, published(dir), false, "HUNG past 2x timeout");
    }
    double s = (System.nanoTime() - start) / 1e9;
    String text = r.err() + "\n" + r.out();
    boolean found = text.contains(c.messageFragment());
    boolean inTime = s <= 2 * c.timeout().toSeconds();
    return new FaultOutcome(c, r.exitCode(), s, found, published(dir), inTime, firstError(r));
  }

  /** Any numbered version directory under {@code <dir>/models} (any model name)? */
  static boolean published(Path dir) throws Exception {
    Path models = dir.resolve("models");
    if (!Files.isDirectory(models)) {
      return false;
    }
    try (Stream<Path> s = Files.walk(models, 2)) {
      return s.anyMatch(p -> Files.isDirectory(p) && p.getFileName().toString().matches("\\d+"));
    }
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

  // ----------------------------------------------------------------------------------- rendering

  public static String table(List<FaultOutcome> results) {
    StringBuilder sb = new StringBuilder();
    sb.append("| case | category | expected | actual | seconds | pass | message |\n");
    sb.append("|---|---|---|---|---|---|---|\n");
    for (FaultOutcome o : results) {
      FaultCase c = o.fault();
      String expected = "exit " + c.expectedExit() + ", \"" + c.messageFragment() + "\"";
      String actual = (o.exitCode() < 0 ? "hung" : "exit " + o.exitCode())
          + (o.messageFound() ? ", message ok" : ", message missing")
          + (o.published() ? ", VERSION PUBLISHED" : ", nothing published");
      String verdict = o.verdict() + (c.knownGap() ? ": " + c.gap() : "");
      sb.append(String.format("| %s | %s | %s | %s | %.1f | %s | %s |%n", c.name(), c.category(),
          esc(expected), esc(actual), o.seconds(), esc(verdict), esc(trim(o.message(), 160))));
    }
    long pass = results.stream().filter(FaultOutcome::pass).count();
    long gaps = results.stream().filter(o -> o.fault().knownGap()).count();
    sb.append(String.format("%n%d/%d pass, %d known gaps%n", pass, results.size(), gaps));
    return sb.toString();
  }

  public static String json(List<FaultOutcome> results) throws Exception {
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("command", COMMAND);
    root.put("generated", Instant.now().toString());
    ArrayNode cases = root.putArray("cases");
    for (FaultOutcome o : results) {
      FaultCase c = o.fault();
      ObjectNode n = cases.addObject();
      n.put("case", c.name());
      n.put("category", c.category());
      n.put("expected_exit", c.expectedExit());
      n.put("expected_message", c.messageFragment());
      n.put("timeout_seconds", c.timeout().toSeconds());
      n.put("actual_exit", o.exitCode());
      n.put("message_found", o.messageFound());
      n.put("message", o.message());
      n.put("seconds", Math.round(o.seconds() * 100) / 100.0);
      n.put("published", o.published());
      n.put("in_time", o.inTime());
      n.put("known_gap", c.gap());
      n.put("pass", o.pass());
    }
    return m.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  /** Writes bench/results/faults.json and faults.md at the repository root. */
  public static void write(List<FaultOutcome> results) throws Exception {
    Path dir = repoRoot().resolve("bench/results");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("faults.json"), json(results));
    Files.writeString(dir.resolve("faults.md"),
        "# Fault suite: data and config cases\n\nProduced by:\n\n```\n" + COMMAND + "\n```\n\n"
            + table(results));
  }

  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !(Files.isDirectory(p.resolve("bench")) && Files.isRegularFile(p.resolve("pom.xml")))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("no repository root (a directory with bench/ and pom.xml) above "
          + Path.of("").toAbsolutePath());
    }
    return p;
  }

  private static String esc(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }

  private static String trim(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n) + "…";
  }
}
