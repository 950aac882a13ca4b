package io.distillery.jobs.cli;

import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.pipeline.RunPaths;
import io.distillery.publish.ModelRepository;
import io.distillery.publish.VersionStatus;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code distillery models list|verify}: what a model path holds, and whether a version is intact. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "Inspect published models: their versions, and whether one is intact.",
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Verify.class})
final class ModelsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "use 'models list' or 'models verify'");
    }

    /** Opens a repository; a malformed path is a usage error (exit 2), not a crash. */
    static ModelRepository open(Object command, String uri, HadoopOptions hadoop) throws java.io.IOException {
        Configuration conf = hadoop.configuration(command);
        try {
            return ModelRepository.open(URI.create(uri), conf);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(command), e.getMessage(), e, null, uri);
        }
    }

    /**
     * Where {@code models list|verify} take Hadoop settings from, later ones winning: core-site.xml and
     * hdfs-site.xml on the classpath, those in {@code --hadoop-conf-dir} (default {@code $HADOOP_CONF_DIR}),
     * the {@code spark.hadoop.*} entries of a job config's {@code spark.conf}, then {@code -D key=value}.
     */
    static final class HadoopOptions {
        @Option(
                names = "-D",
                paramLabel = "KEY=VALUE",
                description = {
                    "A Hadoop setting (a spark.hadoop. prefix is dropped), e.g.",
                    "-D fs.s3a.endpoint=http://minio:9000",
                    "Give credentials through Hadoop's providers (environment, credential file, role)."
                })
        Map<String, String> settings = new LinkedHashMap<>();

        @Option(
                names = "--hadoop-conf-dir",
                paramLabel = "DIR",
                defaultValue = "${env:HADOOP_CONF_DIR}",
                description = "Read core-site.xml and hdfs-site.xml from DIR (default: $HADOOP_CONF_DIR).")
        Path confDir;

        @Option(
                names = {"-c", "--conf"},
                paramLabel = "FILE",
                description = "A job config whose spark.conf spark.hadoop.* settings apply (the job's store settings).")
        Path jobConf;

        Configuration configuration(Object command) {
            Configuration conf = new Configuration();
            if (confDir != null) {
                if (!Files.isDirectory(confDir)) {
                    throw new picocli.CommandLine.ParameterException(
                            new picocli.CommandLine(command),
                            "Hadoop configuration directory " + confDir
                                    + " (--hadoop-conf-dir or HADOOP_CONF_DIR) does not exist");
                }
                for (String file : List.of("core-site.xml", "hdfs-site.xml")) {
                    Path xml = confDir.resolve(file);
                    if (Files.isRegularFile(xml)) {
                        conf.addResource(new org.apache.hadoop.fs.Path(xml.toUri()));
                    }
                }
            }
            if (jobConf != null) {
                JobConfig job = ConfigLoader.load(jobConf, List.of());
                job.spark().conf().forEach((k, v) -> {
                    if (k.startsWith(SPARK_HADOOP)) {
                        conf.set(k.substring(SPARK_HADOOP.length()), v);
                    }
                });
            }
            settings.forEach(
                    (k, v) -> conf.set(k.startsWith(SPARK_HADOOP) ? k.substring(SPARK_HADOOP.length()) : k, v));
            return conf;
        }
    }

    private static final String SPARK_HADOOP = "spark.hadoop.";

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the versions under a model path (<base_path>/<name>) with state and test accuracy.")
    static final class ListVersions implements Callable<Integer> {
        @Parameters(paramLabel = "MODEL_PATH", description = "e.g. models/fashion, hdfs://nn/models/fashion")
        String path;

        @Mixin
        HadoopOptions hadoop;

        @Override
        public Integer call() throws Exception {
            try (ModelRepository repo = open(this, RunPaths.toUri(path), hadoop)) {
                List<VersionStatus> versions = repo.list();
                System.out.printf("%-8s %-11s %-22s %-10s %s%n", "version", "state", "run id", "accuracy", "created");
                for (VersionStatus v : versions) {
                    String run = v.manifest() == null ? "-" : v.manifest().runId();
                    String created = v.manifest() == null
                            ? "-"
                            : String.valueOf(v.manifest().created());
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

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = {
                "Re-hash every file of a version against its manifest.",
                "Exit 0 if it is complete and intact, 6 if not, 2 if there is no such version."
            })
    static final class Verify implements Callable<Integer> {
        @Parameters(paramLabel = "VERSION_PATH", description = "<model path>/<version>, e.g. models/fashion/1")
        String path;

        @Mixin
        HadoopOptions hadoop;

        @Override
        public Integer call() throws Exception {
            String uri = RunPaths.toUri(path);
            String trimmed = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
            int slash = trimmed.lastIndexOf('/');
            String versionText = trimmed.substring(slash + 1);
            if (!versionText.matches("\\d+")) {
                throw new picocli.CommandLine.ParameterException(
                        new picocli.CommandLine(this),
                        "VERSION_PATH must end in a version number, found '" + versionText + "'");
            }
            try (ModelRepository repo = open(this, trimmed.substring(0, slash), hadoop)) {
                long version = Long.parseLong(versionText);
                List<Long> existing = repo.list().stream()
                        .map(VersionStatus::version)
                        .sorted()
                        .toList();
                if (!existing.contains(version)) {
                    // A wrong path is the caller's mistake (exit 2), not a storage failure to retry.
                    throw new picocli.CommandLine.ParameterException(
                            new picocli.CommandLine(this),
                            "no version " + version + " under " + trimmed.substring(0, slash) + "; versions there: "
                                    + (existing.isEmpty() ? "none" : existing.toString()));
                }
                VersionStatus s = repo.verify(version);
                System.out.println("version " + s.version() + ": " + s.state());
                s.problems().forEach(p -> System.out.println("  " + p));
                return s.isComplete() ? ExitCodes.OK : ExitCodes.VERIFY;
            }
        }
    }
}
