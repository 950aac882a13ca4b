package io.distillery.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The jars of a Spark distribution, as a cluster has them in {@code $SPARK_HOME/jars}: Spark's own
 * runtime classpath (spark-core and spark-sql with their dependencies, in the versions this build
 * uses), resolved by Maven into the local repository. Nothing of Distillery's: that must come from
 * the application jar.
 */
final class SparkDistribution {
    private SparkDistribution() {}

    static String sparkVersion() {
        return org.apache.spark.package$.MODULE$.SPARK_VERSION();
    }

    static String scalaBinaryVersion() {
        String v = scala.util.Properties$.MODULE$.versionNumberString();
        return v.substring(0, v.indexOf('.', v.indexOf('.') + 1));
    }

    /** Spark's runtime jars (absolute paths), resolved once into {@code workDir}. */
    static List<Path> jars(Path workDir) throws IOException, InterruptedException {
        Path classpath = workDir.resolve("spark-classpath.txt");
        if (!Files.isRegularFile(classpath)) {
            Files.createDirectories(workDir);
            String spark = sparkVersion();
            String scala = scalaBinaryVersion();
            Files.writeString(workDir.resolve("pom.xml"), """
          <project xmlns="http://maven.apache.org/POM/4.0.0">
            <modelVersion>4.0.0</modelVersion>
            <groupId>io.distillery.it</groupId>
            <artifactId>spark-distribution</artifactId>
            <version>1</version>
            <packaging>pom</packaging>
            <dependencies>
              <dependency><groupId>org.apache.spark</groupId><artifactId>spark-core_%2$s</artifactId><version>%1$s</version></dependency>
              <dependency><groupId>org.apache.spark</groupId><artifactId>spark-sql_%2$s</artifactId><version>%1$s</version></dependency>
            </dependencies>
          </project>
          """.formatted(spark, scala));
            List<String> cmd = new ArrayList<>(
                    List.of("mvn", "-B", "-q", "-f", workDir.resolve("pom.xml").toString()));
            // Spark's artifacts are in the local repository already (the build resolved them): no network.
            String repo = System.getProperty("distillery.maven.repo", "");
            if (!repo.isBlank()) {
                cmd.add("-Dmaven.repo.local=" + repo);
            }
            cmd.addAll(List.of(
                    "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
                    "-Dmdep.includeScope=runtime",
                    "-Dmdep.outputFile=" + classpath + ".tmp"));
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("mvn.log").toFile())
                    .start();
            if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        "could not resolve Spark's jars with Maven:\n" + Files.readString(workDir.resolve("mvn.log")));
            }
            Files.move(Path.of(classpath + ".tmp"), classpath);
        }
        List<Path> jars = new ArrayList<>();
        for (String entry : Files.readString(classpath).trim().split(java.io.File.pathSeparator)) {
            jars.add(Path.of(entry));
        }
        return jars;
    }
}
