package io.distillery.jobs.cli;

import io.distillery.jobs.pipeline.RunPaths;
import io.distillery.publish.ModelRepository;
import io.distillery.publish.VersionStatus;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code distillery models list|verify}: what a model path holds, and whether a version is intact. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = "Inspect published models.",
    subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Verify.class})
final class ModelsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "use 'models list' or 'models verify'");
  }

  /** Opens a repository; a malformed path is a usage error (exit 2), not a crash. */
  static ModelRepository open(Object command, String uri) throws java.io.IOException {
    try {
      return ModelRepository.open(URI.create(uri), new Configuration());
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(command), e.getMessage(), e, null, uri);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the versions under a model path (<base_path>/<name>) with state and test accuracy.")
  static final class ListVersions implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL_PATH", description = "e.g. models/fashion, hdfs://nn/models/fashion")
    String path;

    @Override
    public Integer call() throws Exception {
      try (ModelRepository repo = open(this, RunPaths.toUri(path))) {
        List<VersionStatus> versions = repo.list();
        System.out.printf("%-8s %-11s %-22s %-10s %s%n", "version", "state", "run id", "accuracy", "created");
        for (VersionStatus v : versions) {
          String run = v.manifest() == null ? "-" : v.manifest().runId();
          String created = v.manifest() == null ? "-" : String.valueOf(v.manifest().created());
          System.out.printf("%-8d %-11s %-22s %-10s %s%n", v.version(), v.state(), run, accuracy(v), created);
        }
        if (versions.isEmpty()) {
          System.out.println("(no versions)");
        }
      }
      return ExitCodes.OK;
    }

    private static String accuracy(VersionStatus v) {
      if (v.manifest() == null) {
        return "-";
      }
      Object metrics = v.manifest().fields().get("metrics");
      if (metrics instanceof Map<?, ?> m && m.get("pruned_student_test_accuracy") instanceof Number n) {
        return String.format(java.util.Locale.ROOT, "%.4f", n.doubleValue());
      }
      return "-";
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Re-hash every file of a version against its manifest. Exit 0 if complete and intact, 6 if not.")
  static final class Verify implements Callable<Integer> {
    @Parameters(paramLabel = "VERSION_PATH", description = "<model path>/<version>, e.g. models/fashion/1")
    String path;

    @Override
    public Integer call() throws Exception {
      String uri = RunPaths.toUri(path);
      String trimmed = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
      int slash = trimmed.lastIndexOf('/');
      String versionText = trimmed.substring(slash + 1);
      if (!versionText.matches("\\d+")) {
        throw new picocli.CommandLine.ParameterException(
            new picocli.CommandLine(this), "VERSION_PATH must end in a version number, found '" + versionText + "'");
      }
      try (ModelRepository repo = open(this, trimmed.substring(0, slash))) {
        VersionStatus s = repo.verify(Long.parseLong(versionText));
        System.out.println("version " + s.version() + ": " + s.state());
        s.problems().forEach(p -> System.out.println("  " + p));
        return s.isComplete() ? ExitCodes.OK : ExitCodes.VERIFY;
      }
    }
  }
}
