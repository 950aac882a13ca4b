package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkSubmitArguments;
import org.apache.spark.deploy.k8s.KubernetesUtils$;
import org.apache.spark.deploy.k8s.SparkPod;
import org.apache.spark.internal.config.ConfigEntry;
import org.apache.spark.internal.config.ConfigEntry$;
import org.apache.spark.launcher.SparkLauncher;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.resource.ResourceInformation$;
import org.apache.spark.resource.ResourceRequest;
import org.apache.spark.resource.ResourceUtils$;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Every file in cluster-conf/ is read by the code that reads it in production, so none drifts from
 * Spark, Hadoop or Kubernetes: spark-defaults (with the GPU overlays) go through Spark's own
 * SparkSubmitArguments and every key must be a config entry Spark defines, with a value its converter
 * accepts; core-site.xml keys must be Hadoop's and its credential providers must load; the pod
 * templates load through Spark's Kubernetes template loader; the GPU discovery script's output parses
 * as Spark's ResourceInformation.
 */
class ClusterConfTest {
    static final Path CONF = AirflowDag.ROOT.resolve("cluster-conf");
    /** Where cluster-conf/ lives inside images and on cluster nodes (docs/launch.md). */
    static final String INSTALLED = "/opt/distillery/cluster-conf/";

    @TempDir
    static Path tmp;

    /** Keys Spark reads without a ConfigEntry of their own: prefixes of per-name settings. */
    static final List<String> FREE_FORM_PREFIXES =
            List.of("spark.executorEnv.", "spark.yarn.appMasterEnv.", "spark.kubernetes.driverEnv.", "spark.hadoop.");

    static final Pattern RESOURCE_KEY = Pattern.compile(
            "spark\\.(driver|executor|task|worker)\\.resource\\.([a-z0-9]+)\\.(amount|discoveryScript|vendor)");

    @BeforeAll
    static void registerSparkConfigEntries() throws Exception {
        // Config entries register themselves when the object holding them is initialized.
        for (String holder : List.of(
                "org.apache.spark.internal.config.package$",
                "org.apache.spark.internal.config.UI$",
                "org.apache.spark.internal.config.Worker$",
                "org.apache.spark.internal.config.Deploy$",
                "org.apache.spark.internal.config.Network$",
                "org.apache.spark.internal.config.Tests$",
                "org.apache.spark.sql.internal.SQLConf$",
                "org.apache.spark.deploy.yarn.config.package$",
                "org.apache.spark.deploy.k8s.Config$")) {
            Class.forName(holder, true, ClusterConfTest.class.getClassLoader())
                    .getField("MODULE$")
                    .get(null);
        }
    }

    /** The properties spark-submit would use, parsed by Spark's own SparkSubmitArguments. */
    static Map<String, String> submitProperties(String cluster, boolean gpu) {
        return submitProperties(
                CONF.resolve(cluster + "/spark-defaults.conf"), gpu ? CONF.resolve(cluster + "/gpu.conf") : null);
    }

    static Map<String, String> submitProperties(Path defaults, Path overlay) {
        List<String> args = new ArrayList<>(List.of("--properties-file", defaults.toString()));
        if (overlay != null) {
            args.addAll(List.of("--extra-properties-file", overlay.toString()));
        }
        args.addAll(List.of("--class", "io.distillery.jobs.cli.Main", "distillery-jobs-app.jar", "pipeline"));
        Map<String, String> env =
                Map.of("HADOOP_CONF_DIR", CONF.resolve("hadoop").toString());
        SparkSubmitArguments parsed = new SparkSubmitArguments(
                CollectionConverters.asScala(args).toList(),
                CollectionConverters.asScala(env).toMap(scala.$less$colon$less$.MODULE$.refl()));
        assertEquals("io.distillery.jobs.cli.Main", parsed.mainClass());
        return new TreeMap<>(CollectionConverters.asJava(parsed.sparkProperties()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "standalone", "yarn", "k8s"})
    void sparkDefaultsUseOnlyKeysSparkDefinesWithValuesItAccepts(String cluster) throws Exception {
        boolean hasGpu = Files.exists(CONF.resolve(cluster + "/gpu.conf"));
        Map<String, String> props = submitProperties(cluster, hasGpu);
        assertTrue(props.size() >= 8, cluster + ": " + props);
        List<String> problems = problems(props);
        assertTrue(problems.isEmpty(), cluster + "/spark-defaults.conf:\n  " + String.join("\n  ", problems));
        SparkConf conf = new SparkConf(false);
        props.forEach(conf::set);
        assertEquals(
                "false", conf.get("spark.dynamicAllocation.enabled"), "barrier stages need dynamic allocation off");
        if (conf.contains("spark.task.cpus")) {
            assertTrue(
                    conf.getInt("spark.task.cpus", 1) <= conf.getInt("spark.executor.cores", Integer.MAX_VALUE),
                    cluster + ": a task must fit in an executor");
        }
        for (String side : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
            if (conf.contains(side)) {
                assertTrue(conf.get(side).contains("-Dorg.bytedeco.javacpp.cachedir="), side);
            }
        }
        if (hasGpu) {
            ResourceRequest executorGpu = gpuRequest(conf, "spark.executor");
            assertNotNull(executorGpu, cluster + ": executors ask for GPUs");
            assertEquals(1, executorGpu.amount());
            assertEquals("1", conf.get("spark.task.resource.gpu.amount"), "one GPU per training task");
            if (executorGpu.discoveryScript().isPresent()) {
                String script = executorGpu.discoveryScript().get();
                assertTrue(script.endsWith("/gpu-discovery.sh"), script);
                if (script.startsWith(INSTALLED)) {
                    assertTrue(Files.isExecutable(CONF.resolve(script.substring(INSTALLED.length()))), script);
                }
            }
            if (cluster.equals("k8s")) {
                assertEquals(
                        "nvidia.com", executorGpu.vendor().orElse(""), "Kubernetes needs the device plugin's vendor");
            }
            // Without the overlay the same cluster config asks for no GPU (CPU clusters use it as is).
            SparkConf cpu = new SparkConf(false);
            submitProperties(cluster, false).forEach(cpu::set);
            assertEquals(null, gpuRequest(cpu, "spark.executor"));
        }
    }

    @Test
    void theDevelopmentClustersDefaultsToo() throws Exception {
        // cluster-conf/standalone-cluster.sh fills in the ports and class directories.
        String template = Files.readString(CONF.resolve("standalone/dev-cluster.conf.in"));
        Path filled = tmp.resolve("dev-cluster.conf");
        Files.writeString(
                filled, template.replace("@MASTER_PORT@", "7077").replace("@EXTRA_CLASSPATH@", "/tmp/classes"));
        assertFalse(
                Pattern.compile("(?m)^[^#].*@[A-Z_]+@")
                        .matcher(Files.readString(filled))
                        .find(),
                "a placeholder the test does not know");
        Map<String, String> props = submitProperties(filled, null);
        List<String> problems = problems(props);
        assertTrue(problems.isEmpty(), "standalone/dev-cluster.conf.in:\n  " + String.join("\n  ", problems));
        assertEquals("false", props.get("spark.dynamicAllocation.enabled"));
    }

    /** Keys Spark does not define, and values its converters reject. */
    static List<String> problems(Map<String, String> props) throws IllegalAccessException {
        Set<String> launcherKeys = launcherKeys();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : props.entrySet()) {
            String key = e.getKey();
            ConfigEntry<?> entry = ConfigEntry$.MODULE$.findEntry(key);
            if (entry != null) {
                try {
                    entry.valueConverter().apply(e.getValue());
                } catch (RuntimeException bad) {
                    problems.add(key + " = '" + e.getValue() + "': " + bad.getMessage());
                }
            } else if (!launcherKeys.contains(key)
                    && !RESOURCE_KEY.matcher(key).matches()
                    && FREE_FORM_PREFIXES.stream().noneMatch(key::startsWith)) {
                problems.add(
                        key + ": Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION() + " has no such setting");
            }
        }
        return problems;
    }

    private static ResourceRequest gpuRequest(SparkConf conf, String component) {
        for (ResourceRequest r :
                CollectionConverters.asJava(ResourceUtils$.MODULE$.parseAllResourceRequests(conf, component))) {
            if (r.id().resourceName().equals("gpu")) {
                return r;
            }
        }
        return null;
    }

    /** spark.* keys SparkLauncher names (spark.master, spark.driver.memory, ...). */
    private static Set<String> launcherKeys() throws IllegalAccessException {
        Set<String> keys = new HashSet<>();
        for (Field f : SparkLauncher.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String v = (String) f.get(null);
                if (v.startsWith("spark.")) {
                    keys.add(v);
                }
            }
        }
        return keys;
    }

    @Test
    void kubernetesPodTemplatesLoadThroughSparksTemplateLoader() throws Exception {
        Map<String, String> props = submitProperties("k8s", true);
        SparkConf conf = new SparkConf(false);
        props.forEach(conf::set);
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            for (String role : List.of("driver", "executor")) {
                String file = conf.get("spark.kubernetes." + role + ".podTemplateFile");
                assertTrue(file.startsWith(INSTALLED), file);
                Path local = CONF.resolve(file.substring(INSTALLED.length()));
                String containerName = conf.get("spark.kubernetes." + role + ".podTemplateContainerName");
                SparkPod pod = KubernetesUtils$.MODULE$.loadPodFromTemplate(
                        client, local.toString(), scala.Option.apply(containerName), conf);
                Container container = pod.container();
                assertEquals(
                        containerName,
                        container.getName(),
                        role + " template must name its Spark container " + containerName
                                + " (Spark otherwise takes the first)");
                // The TensorFlow native cache directory of extraJavaOptions is a mounted volume.
                Matcher m = Pattern.compile("-Dorg\\.bytedeco\\.javacpp\\.cachedir=(\\S+)")
                        .matcher(conf.get("spark." + role + ".extraJavaOptions"));
                assertTrue(m.find());
                String cacheDir = m.group(1);
                assertTrue(
                        container.getVolumeMounts().stream()
                                .anyMatch(v -> v.getMountPath().equals(cacheDir)),
                        role + ": " + cacheDir + " is mounted");
                Pod p = pod.pod();
                assertEquals("distillery", p.getMetadata().getLabels().get("app.kubernetes.io/name"));
                if (role.equals("executor")) {
                    assertTrue(
                            p.getSpec().getTolerations().stream().anyMatch(t -> "nvidia.com/gpu".equals(t.getKey())),
                            "GPU executors tolerate the GPU taint");
                }
            }
        }
    }

    @Test
    void coreSiteUsesHadoopsOwnKeysAndLoadableCredentialProviders() throws Exception {
        Path coreSite = CONF.resolve("hadoop/core-site.xml");
        Configuration only = new Configuration(false);
        only.addResource(coreSite.toUri().toURL());
        Map<String, String> props = new LinkedHashMap<>();
        only.iterator().forEachRemaining(e -> props.put(e.getKey(), e.getValue()));
        assertTrue(
                props.keySet()
                        .containsAll(List.of(
                                "fs.s3a.aws.credentials.provider", "fs.s3a.endpoint.region", "dfs.replication")),
                props.toString());
        Set<String> known = new HashSet<>();
        new Configuration(true).iterator().forEachRemaining(e -> known.add(e.getKey())); // core-default.xml
        for (Class<?> c : List.of(
                org.apache.hadoop.fs.s3a.Constants.class,
                org.apache.hadoop.hdfs.client.HdfsClientConfigKeys.class,
                org.apache.hadoop.fs.CommonConfigurationKeysPublic.class)) {
            for (Field f : c.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                    known.add((String) f.get(null));
                }
            }
        }
        List<String> unknown =
                props.keySet().stream().filter(k -> !known.contains(k)).toList();
        assertTrue(unknown.isEmpty(), "keys Hadoop does not define: " + unknown);
        for (String secret : List.of("fs.s3a.access.key", "fs.s3a.secret.key", "fs.s3a.session.token")) {
            assertFalse(props.containsKey(secret), "credentials never go into core-site.xml: " + secret);
        }

        Configuration conf = new Configuration(true);
        conf.addResource(coreSite.toUri().toURL());
        Class<?>[] providers = conf.getClasses("fs.s3a.aws.credentials.provider"); // loads each class
        assertTrue(providers.length >= 3, java.util.Arrays.toString(providers));
        assertEquals(64L << 20, conf.getLongBytes("fs.s3a.multipart.size", 0));
        assertTrue(
                conf.getInt("fs.s3a.connection.maximum", 0) >= conf.getInt("fs.s3a.threads.max", 0),
                "S3A needs at least as many connections as threads");
        assertEquals(3, conf.getInt("dfs.replication", 0));
        assertTrue(conf.getBoolean("dfs.client.use.datanode.hostname", false));
    }

    @Test
    void gpuDiscoveryScriptPrintsWhatSparkParses() throws Exception {
        Path script = CONF.resolve("gpu-discovery.sh");
        assertTrue(Files.isExecutable(script), script + " must be executable");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fake = bin.resolve("nvidia-smi");
        Files.writeString(
                fake,
                "#!/bin/sh\n[ \"$1\" = --query-gpu=index ] && [ \"$2\" = --format=csv,noheader ] || exit 9\nprintf '0\\n1\\n'\n");
        fake.toFile().setExecutable(true);

        Result found = run(script, bin + ":/usr/bin:/bin");
        assertEquals(0, found.code(), found.err());
        ResourceInformation gpus = ResourceInformation$.MODULE$.parseJson(found.out());
        assertEquals("gpu", gpus.name());
        assertEquals(List.of("0", "1"), List.of(gpus.addresses()));

        Path none = Files.createDirectories(tmp.resolve("no-driver"));
        Result missing = run(script, none.toString());
        assertNotEquals(0, missing.code(), "no NVIDIA driver: the executor must fail, not run without GPUs");
        assertTrue(missing.err().contains("nvidia-smi not found"), missing.err());
    }

    record Result(int code, String out, String err) {}

    private static Result run(Path script, String path) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", script.toString());
        pb.environment().put("PATH", path);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("gpu-discovery.sh did not finish");
        }
        return new Result(p.exitValue(), out, err);
    }
}
