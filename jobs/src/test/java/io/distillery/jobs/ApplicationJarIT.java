package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The spark-submit application jar (`mvn package`: target/distillery-jobs-<v>-app.jar) on a Spark
 * standalone cluster of separate JVMs whose jars/ holds Spark and nothing of Distillery's: submitted
 * with Spark's own launcher and SparkSubmit, as bin/spark-submit does, the pipeline publishes a
 * version. The slim jar runs with TensorFlow's native jar on the nodes' classpath instead.
 */
class ApplicationJarIT {
    static final Path ROOT = AirflowDag.ROOT;
    static final Path TARGET = ROOT.resolve("jobs/target");
    static final Path WORK = TARGET.resolve("it-spark");
    static Path appJar;
    static Path slimJar;
    static List<Path> sparkJars;
    static SparkOnlyCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        appJar = Path.of(System.getProperty(
                "distillery.app.jar",
                TARGET.resolve("distillery-jobs-" + io.distillery.jobs.pipeline.Versions.distillery() + "-app.jar")
                        .toString()));
        assertTrue(Files.isRegularFile(appJar), appJar + " missing: run `mvn package` (this is an integration test)");
        slimJar = Path.of(appJar.toString().replace("-app.jar", "-app-slim.jar"));
        sparkJars = SparkDistribution.jars(WORK);
        Path home = WORK.resolve("spark-home");
        StagedRun.deleteTree(home.resolve("work"));
        cluster = SparkOnlyCluster.start(home, sparkJars, 1, "2g");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theJarHoldsDistilleryAndItsDependenciesButNothingSparkShips() throws Exception {
        Set<String> app = classes(appJar);
        assertTrue(app.contains("io/distillery/jobs/cli/Main.class"));
        assertTrue(app.contains("picocli/CommandLine.class"));
        assertTrue(app.contains("org/apache/hadoop/fs/s3a/S3AFileSystem.class"), "s3a:// works from the jar");
        assertTrue(
                app.contains("io/distillery/shaded/flatbuffers/FlatBufferBuilder.class"),
                "the TFLite writer's flatbuffers, relocated away from Spark's");
        Set<String> spark = new HashSet<>();
        for (Path jar : sparkJars) {
            spark.addAll(classes(jar));
        }
        Set<String> twice = new TreeSet<>(app);
        twice.retainAll(spark);
        assertTrue(
                twice.isEmpty(),
                twice.size() + " classes of the application jar are in Spark's jars too, e.g. "
                        + twice.stream().limit(10).toList()
                        + ": exclude their artifact in jobs/pom.xml (maven-shade-plugin)");
        try (JarFile jar = new JarFile(appJar.toFile())) {
            assertEquals(
                    "io.distillery.jobs.cli.Main",
                    jar.getManifest().getMainAttributes().getValue("Main-Class"));
            assertTrue(
                    jar.getEntry("org/tensorflow/internal/c_api/linux-x86_64/libtensorflow_cc.so.2") != null,
                    "TensorFlow's native library travels in the jar (YARN, Kubernetes)");
            assertTrue(
                    jar.getEntry("META-INF/resources/webjars/chart.js/" + io.distillery.jobs.report.ChartJs.version()
                                    + "/dist/chart.umd.js")
                            != null,
                    "reports need Chart.js");
        }
        try (JarFile slim = new JarFile(slimJar.toFile())) {
            assertTrue(slim.getEntry("org/tensorflow/internal/c_api/linux-x86_64/libtensorflow_cc.so.2") == null);
            assertTrue(slim.getEntry("io/distillery/jobs/cli/Main.class") != null);
        }
    }

    @Test
    void sparkSubmitOfTheApplicationJarPublishesAVersion() throws Exception {
        Path dir = Files.createDirectories(WORK.resolve("full-" + System.nanoTime()));
        Path job = dir.resolve("job.yaml");
        Files.writeString(job, StagedRun.config(dir));
        Submission s =
                submit(dir, appJar, List.of(), List.of("pipeline", "--conf", job.toString(), "--run-id", "submitted"));
        assertEquals(0, s.exitCode(), s.toString());
        assertTrue(s.out().contains("published tiny version 1"), s.toString());
        JsonNode manifest = new ObjectMapper()
                .readTree(dir.resolve("models/tiny/1/manifest.json").toFile());
        assertEquals("submitted", manifest.get("run_id").asText());
        assertEquals(
                SparkDistribution.sparkVersion(), manifest.at("/versions/spark").asText());
        assertTrue(
                manifest.at("/metrics/formats/tflite-int8/test_accuracy").asDouble() > 0.3,
                "TFLite export and its interpreter ran from the jar: " + manifest.at("/metrics/formats"));
        assertTrue(Files.isRegularFile(dir.resolve("runs/submitted/report.html")));
        assertRanOnTheCluster("distillery tiny");
    }

    @Test
    void theSlimJarRunsWithTensorFlowOnTheNodesClasspath() throws Exception {
        Path tfNative = Path.of(System.getProperty("java.class.path").split(File.pathSeparator)[0])
                .getRoot();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.matches(".*tensorflow-core-native-[^/]*-linux-x86_64(-gpu)?\\.jar")) {
                tfNative = Path.of(entry);
            }
        }
        assertTrue(tfNative.toString().endsWith(".jar"), "TensorFlow's native jar on the test classpath");
        Path dir = Files.createDirectories(WORK.resolve("slim-" + System.nanoTime()));
        Path job = dir.resolve("job.yaml");
        Files.writeString(job, StagedRun.config(dir));
        Submission s = submit(
                dir,
                slimJar,
                List.of(
                        "--driver-class-path",
                        tfNative.toString(),
                        "--conf",
                        "spark.executor.extraClassPath=" + tfNative),
                List.of("teacher", "--conf", job.toString(), "--run-id", "slim"));
        assertEquals(0, s.exitCode(), s.toString());
        assertTrue(Files.isRegularFile(dir.resolve("runs/slim/teacher/result.json")), s.toString());
    }

    private static void assertRanOnTheCluster(String appName) throws IOException {
        JsonNode state = cluster.state();
        boolean found = false;
        for (JsonNode app : state.get("completedapps")) {
            found |= app.get("name").asText().equals(appName)
                    && app.get("state").asText().equals("FINISHED");
        }
        assertTrue(found, "the master ran application '" + appName + "': " + state);
    }

    record Submission(int exitCode, String out, String err, List<String> command) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- command\n" + String.join(" ", command) + "\n--- out\n" + out
                    + "\n--- err (last 80 lines)\n"
                    + err.lines().skip(Math.max(0, err.lines().count() - 80)).reduce("", (a, b) -> a + b + "\n");
        }
    }

    /**
     * {@code spark-submit} as bin/spark-submit runs it: Spark's launcher builds the driver's command
     * line from the arguments and the properties file, then that JVM runs SparkSubmit in client mode.
     */
    static Submission submit(Path dir, Path jar, List<String> extra, List<String> appArgs) throws Exception {
        String cache = System.getProperty("user.home") + "/.javacpp/cache";
        List<String> args = new ArrayList<>(List.of(
                "--master",
                cluster.masterUrl(),
                "--deploy-mode",
                "client",
                "--properties-file",
                ROOT.resolve("cluster-conf/standalone/spark-defaults.conf").toString(),
                "--driver-memory",
                "2g",
                // One small executor on this machine, where the production settings would ask for more.
                "--conf",
                "spark.executor.cores=1",
                "--conf",
                "spark.task.cpus=1",
                "--conf",
                "spark.cores.max=1",
                "--conf",
                "spark.executor.memory=1g",
                "--conf",
                "spark.driver.host=127.0.0.1",
                "--conf",
                "spark.driver.bindAddress=127.0.0.1",
                "--conf",
                "spark.driver.extraClassPath=",
                "--conf",
                "spark.executor.extraClassPath=",
                "--conf",
                "spark.driver.extraJavaOptions=-Dorg.bytedeco.javacpp.cachedir=" + cache,
                "--conf",
                "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.cachedir=" + cache));
        args.addAll(extra);
        args.addAll(List.of("--class", "io.distillery.jobs.cli.Main", jar.toString()));
        args.addAll(appArgs);

        Map<String, String> env = Map.of(
                "SPARK_HOME",
                cluster.sparkHome.toString(),
                "SPARK_SCALA_VERSION",
                SparkDistribution.scalaBinaryVersion(),
                "SPARK_LOCAL_IP",
                "127.0.0.1",
                "TF_CPP_MIN_LOG_LEVEL",
                "2",
                "JAVA_HOME",
                System.getProperty("java.home"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> launcher = new ArrayList<>(List.of(
                java,
                "-Xmx128m",
                "-cp",
                cluster.sparkHome.resolve("jars") + "/*",
                "org.apache.spark.launcher.Main",
                "org.apache.spark.deploy.SparkSubmit"));
        launcher.addAll(args);
        ProcessBuilder lb = new ProcessBuilder(launcher);
        lb.environment().putAll(env);
        lb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process l = lb.start();
        String printed = new String(l.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, l.waitFor(), "Spark's launcher failed: " + printed);
        List<String> command = new ArrayList<>();
        // NUL-separated, after a "\0\n" marker (what bin/spark-class reads).
        for (String token : printed.split("\0")) {
            token = token.startsWith("\n") ? token.substring(1) : token;
            if (!token.isEmpty()) {
                command.add(token);
            }
        }
        assertFalse(command.isEmpty(), "the launcher printed no command");

        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(env);
        Path out = dir.resolve("driver.out");
        Path err = dir.resolve("driver.err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
        }
        return new Submission(p.exitValue(), Files.readString(out), Files.readString(err), command);
    }

    static Set<String> classes(Path jar) throws IOException {
        Set<String> out = new HashSet<>();
        try (JarFile j = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> e = j.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.endsWith(".class") && !name.startsWith("META-INF/") && !name.endsWith("module-info.class")) {
                    out.add(name);
                }
            }
        }
        return out;
    }
}
