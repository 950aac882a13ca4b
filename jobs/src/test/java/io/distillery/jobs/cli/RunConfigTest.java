package io.distillery.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.config.JobConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which settings may differ between commands on one run, and how a difference is named. */
class RunConfigTest {
    private static JobConfig with(String... sets) {
        return ConfigLoader.load(null, List.of(sets));
    }

    @Test
    void whatARunProducesMustNotChangeWhereAndHowItRunsMay() {
        JobConfig recorded = with();
        assertEquals(
                List.of(),
                RunConfig.differences(
                        recorded,
                        with(
                                "spark.master=spark://h:7077",
                                "spark.max_attempts=5",
                                "spark.operation_timeout_ms=5000",
                                "publish.base_path=hdfs://nn/models",
                                "spark.conf={spark.executor.memory: 4g}")));
        assertEquals(
                List.of("teacher.epochs 8 in the run, 3 now"),
                RunConfig.differences(recorded, with("teacher.epochs=3")));
        assertEquals(
                List.of("spark.workers 1 in the run, 2 now"),
                RunConfig.differences(recorded, with("spark.workers=2")),
                "more workers make a larger global batch: another model");
        assertEquals(
                List.of(
                        "student.layers [flatten, dense(128,relu), dense(10)] in the run, [flatten, dense(64,relu), dense(10)] now"),
                RunConfig.differences(recorded, with("student.layers=flatten,dense(64,relu),dense(10)")));
    }
}
