package io.distillery.jobs.spark;

import io.distillery.jobs.config.JobConfig;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Creates the Spark session a job runs in. */
public final class Sparks {
    /** Keys whose values Spark must never show (UI, event logs, error messages). */
    public static final String REDACTION_REGEX =
            "(?i)secret|password|token|access[.]key|secret[.]key|session[.]token|credential|fs[.]s3a[.].*key";

    private Sparks() {}

    /**
     * Under spark-submit the master and resources come from the submit command; otherwise
     * {@code spark.master} of the job config applies (local[*] by default).
     */
    public static SparkSession session(JobConfig config) {
        SparkConf conf = new SparkConf(true);
        conf.setAppName("distillery " + config.name());
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.spark().master());
        }
        conf.setIfMissing("spark.redaction.regex", REDACTION_REGEX);
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        conf.setIfMissing(
                "spark.sql.shuffle.partitions",
                String.valueOf(Math.max(4, config.spark().workers())));
        conf.setIfMissing("spark.dynamicAllocation.enabled", "false");
        if (conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        for (Map.Entry<String, String> e : config.spark().conf().entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
