package io.distillery.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.train.TrainingDivergedException;
import io.distillery.jobs.config.ConfigException;
import io.distillery.jobs.config.ConfigLoader;
import io.distillery.jobs.data.DataException;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

/** The checks made before a barrier stage, and which failures a retry can fix. */
class BarrierPreflightTest {
    private static SparkConf conf() {
        return new SparkConf(false).set(BarrierPreflight.BARRIER_TIMEOUT, "600");
    }

    @Test
    void dynamicAllocationIsRefused() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> BarrierPreflight.checkConf(conf().set("spark.dynamicAllocation.enabled", "true"), 2, "teacher"));
        assertTrue(e.getMessage().contains("spark.dynamicAllocation.enabled=false"), e.getMessage());
    }

    @Test
    void theBarrierTimeoutMustBeSetAndPositive() {
        ConfigException missing = assertThrows(
                ConfigException.class, () -> BarrierPreflight.checkConf(new SparkConf(false), 2, "teacher"));
        assertTrue(missing.getMessage().contains("spark.barrier.sync.timeout is not set"), missing.getMessage());
        assertThrows(
                ConfigException.class,
                () -> BarrierPreflight.checkConf(conf().set(BarrierPreflight.BARRIER_TIMEOUT, "0"), 2, "teacher"));
        BarrierPreflight.checkConf(conf(), 2, "teacher");
        BarrierPreflight.checkConf(conf().set(BarrierPreflight.BARRIER_TIMEOUT, "15m"), 2, "teacher");
    }

    @Test
    void theDefaultsSetTheTimeoutsAndTheRetrySettings() {
        var spark = ConfigLoader.defaults().spark();
        assertEquals("900", spark.conf().get(BarrierPreflight.BARRIER_TIMEOUT));
        // The values of cluster-conf/distillery-defaults.yaml (the record itself only enforces > 0).
        assertEquals(120_000, spark.operationTimeoutMs());
        assertEquals(3, spark.maxAttempts());
        assertEquals(200, spark.checkpointEverySteps());
        ConfigException e = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(null, List.of("spark.operation_timeout_ms=0")));
        assertTrue(e.getMessage().contains("spark.operation_timeout_ms must be > 0"), e.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(null, List.of("spark.max_attempts=0")));
    }

    @Test
    void emptyOrTooSmallShardsAreRefused() {
        DataException empty = assertThrows(
                DataException.class, () -> BarrierPreflight.checkShards(new long[] {300, 0, 280}, 64, "student"));
        assertTrue(
                empty.getMessage().contains("student: partition 1 of 3 is empty (580 rows in all)"),
                empty.getMessage());
        DataException small = assertThrows(
                DataException.class, () -> BarrierPreflight.checkShards(new long[] {100, 90}, 128, "teacher"));
        assertTrue(
                small.getMessage().contains("190 training rows are fewer than spark.workers × batch_size = 2 × 128"),
                small.getMessage());
        BarrierPreflight.checkShards(new long[] {100, 90}, 64, "teacher");
    }

    @Test
    void everyWorkerTakesTheStepsOfTheLargestShard() {
        assertEquals(5, BarrierPreflight.stepsPerEpoch(new long[] {600, 600}, 128));
        assertEquals(8, BarrierPreflight.stepsPerEpoch(new long[] {1000, 700, 1001}, 128));
    }

    @Test
    void onlyFailuresThatCanGoAwayAreRetried() {
        assertTrue(BarrierStage.retryable(new SparkException("Job aborted: executor 1 lost (exit code 137)")));
        assertTrue(BarrierStage.retryable(new RuntimeException("DEADLINE_EXCEEDED: collective timed out")));
        assertFalse(BarrierStage.retryable(new SparkException("stage failed", new DataException("bad row"))));
        assertFalse(BarrierStage.retryable(new SparkException(
                "Task failed: io.distillery.core.train.TrainingDivergedException: loss is NaN at step 7")));
        assertFalse(BarrierStage.retryable(new TrainingDivergedException("loss is NaN")));
        assertFalse(BarrierStage.retryable(new ConfigException("prune.frequency")));
    }

    @Test
    void localSlotsAreKnownBeforeSparkStarts() {
        assertEquals(1, BarrierPreflight.localSlots("local", 8));
        assertEquals(3, BarrierPreflight.localSlots("local[3]", 8));
        assertEquals(8, BarrierPreflight.localSlots("local[*]", 8));
        assertEquals(2, BarrierPreflight.localSlots("local[2,4]", 8));
        assertEquals(-1, BarrierPreflight.localSlots("spark://127.0.0.1:7077", 8));
        assertEquals(-1, BarrierPreflight.localSlots("local-cluster[2,1,1024]", 8));
        io.distillery.jobs.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.distillery.jobs.config.ConfigException.class,
                () -> BarrierPreflight.checkLocalSlots("local[*]", 3, 2, false));
        assertTrue(e.getMessage().contains("local[*] offers 2"), e.getMessage());
        BarrierPreflight.checkLocalSlots("local[*]", 2, 2, false);
        BarrierPreflight.checkLocalSlots("yarn", 64, 2, false);
    }
}
