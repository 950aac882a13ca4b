package io.distillery.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storage settings in the job config: secrets kept out of records, credentials in URIs, stale age. */
class StorageConfigTest {
    private static final String SECRET = "canary-secret-9f3b21";
    private static final String WITH_SECRETS = String.join(
            "\n",
            "spark:",
            "  conf:",
            "    spark.hadoop.fs.s3a.secret.key: " + SECRET,
            "    spark.hadoop.fs.s3a.access.key: AKIA-canary-access",
            "    spark.hadoop.fs.s3a.session.token: canary-token-77",
            "    spark.hadoop.fs.s3a.bucket.models.secret.key: canary-bucket-secret",
            "    spark.ssl.keyStorePassword: canary-password",
            "    spark.hadoop.fs.s3a.endpoint: http://127.0.0.1:9000",
            "    spark.hadoop.fs.s3a.aws.credentials.provider: org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
            "    spark.hadoop.hadoop.security.credential.provider.path: jceks://hdfs/keys/s3.jceks",
            "");

    @TempDir
    Path tmp;

    @Test
    void manifestsAndRunDirectoriesNeverHoldSecretValues() throws Exception {
        Path job = tmp.resolve("job.yaml");
        Files.writeString(job, WITH_SECRETS);
        JobConfig config = ConfigLoader.load(job, List.of());
        assertEquals(SECRET, config.spark().conf().get("spark.hadoop.fs.s3a.secret.key"), "the job itself has it");

        Map<String, Object> map = ConfigLoader.toMap(config);
        String mapText = map.toString();
        for (String canary :
                List.of(SECRET, "AKIA-canary-access", "canary-token-77", "canary-bucket-secret", "canary-password")) {
            assertFalse(mapText.contains(canary), canary + " in " + mapText);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> conf = (Map<String, Object>) ((Map<String, Object>) map.get("spark")).get("conf");
        assertEquals(Secrets.MASK, conf.get("spark.hadoop.fs.s3a.secret.key"));
        assertEquals("http://127.0.0.1:9000", conf.get("spark.hadoop.fs.s3a.endpoint"));
        assertEquals(
                "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
                conf.get("spark.hadoop.fs.s3a.aws.credentials.provider"),
                "a provider class is no secret");
        assertEquals("jceks://hdfs/keys/s3.jceks", conf.get("spark.hadoop.hadoop.security.credential.provider.path"));

        String yaml = ConfigLoader.toYaml(config);
        assertFalse(yaml.contains("canary"), yaml);
        assertTrue(
                yaml.startsWith("# secret settings left out: spark.conf.spark.hadoop.fs.s3a.access.key,"
                        + " spark.conf.spark.hadoop.fs.s3a.bucket.models.secret.key, spark.conf.spark.hadoop.fs.s3a.secret.key,"
                        + " spark.conf.spark.hadoop.fs.s3a.session.token, spark.conf.spark.ssl.keyStorePassword\n"),
                yaml);
        // Read back (a stage command of the same run), the config has no secret at all rather than a
        // mask that would override the real one from a credential provider.
        Path recorded = tmp.resolve("config.yaml");
        Files.writeString(recorded, yaml);
        JobConfig back = ConfigLoader.load(recorded, List.of());
        assertFalse(back.spark().conf().containsKey("spark.hadoop.fs.s3a.secret.key"));
        assertEquals("http://127.0.0.1:9000", back.spark().conf().get("spark.hadoop.fs.s3a.endpoint"));
        assertEquals(config.data(), back.data());
        assertEquals(config.publish(), back.publish());
    }

    @Test
    void aConfigWithoutSecretsIsRecordedAsItIs() {
        String yaml = ConfigLoader.toYaml(ConfigLoader.defaults());
        assertFalse(yaml.contains("left out"), yaml);
        assertFalse(yaml.contains(Secrets.MASK), yaml);
    }

    @Test
    void credentialsInAPathAreRefusedWithoutEchoingThem() {
        for (String key : List.of("data.train", "data.test", "run_dir", "publish.base_path")) {
            ConfigException e = assertThrows(
                    ConfigException.class,
                    () -> ConfigLoader.load(null, List.of(key + "=s3a://AKIDCANARY:" + SECRET + "@bucket/path")));
            assertTrue(e.getMessage().startsWith(key + ": s3a://<redacted>@bucket/path"), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET) || e.getMessage().contains("AKIDCANARY"), e.getMessage());
        }
        assertEquals(
                "hdfs://nn:8020/x",
                ConfigLoader.load(null, List.of("run_dir=hdfs://nn:8020/x")).runDir());
    }

    @Test
    void staleAgeIsADurationOfAtLeastAMinute() {
        assertEquals(Duration.ofHours(1), ConfigLoader.defaults().publish().staleAgeDuration());
        assertEquals(
                Duration.ofMinutes(90),
                ConfigLoader.load(null, List.of("publish.stale_age=90m"))
                        .publish()
                        .staleAgeDuration());
        assertEquals(
                Duration.ofDays(2),
                ConfigLoader.load(null, List.of("publish.stale_age=2d"))
                        .publish()
                        .staleAgeDuration());
        assertEquals(
                Duration.ofMinutes(45),
                ConfigLoader.load(null, List.of("publish.stale_age=PT45M"))
                        .publish()
                        .staleAgeDuration());
        ConfigException tooShort =
                assertThrows(ConfigException.class, () -> ConfigLoader.load(null, List.of("publish.stale_age=10s")));
        assertTrue(tooShort.getMessage().contains("publish.stale_age must be at least 1m"), tooShort.getMessage());
        ConfigException garbage =
                assertThrows(ConfigException.class, () -> ConfigLoader.load(null, List.of("publish.stale_age=soon")));
        assertTrue(garbage.getMessage().contains("publish.stale_age must be a duration"), garbage.getMessage());
    }
}
