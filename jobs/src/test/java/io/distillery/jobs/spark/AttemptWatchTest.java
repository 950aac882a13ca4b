package io.distillery.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What a failed rank's clause says, from the reasons Spark and TensorFlow gave on a cut network. */
class AttemptWatchTest {
    @Test
    void aShuffleFetchThatFailedNamesTheExecutorAndAddressItCouldNotReach() {
        String spark = "FetchFailed(BlockManagerId(0, 10.213.0.12, 42211, None), shuffleId=2, mapIndex=0, mapId=6,"
                + " reduceId=1, message=\norg.apache.spark.shuffle.FetchFailedException: Connection timed out";
        assertEquals(
                "could not fetch its input from executor 0 at 10.213.0.12:42211 (unreachable from this one, or lost)",
                AttemptWatch.reason(spark));
    }

    @Test
    void anOperationTimeoutSaysAPeerOfTheAllReduceWasUnreachableOrStalled() {
        String tf = "org.tensorflow.exceptions.TensorFlowException: Operation timed out.\n\tat org.tensorflow...";
        assertEquals(
                "TensorFlow operation timed out (spark.operation_timeout_ms): a peer of its all-reduce was unreachable"
                        + " or stalled",
                AttemptWatch.reason(tf));
    }

    @Test
    void anyOtherReasonIsItsFirstLineJoinedWithTheLineItIntroduces() {
        assertEquals(
                "From /job:worker/replica:0/task:1: Connection reset by peer",
                AttemptWatch.reason("From /job:worker/replica:0/task:1:\n  Connection reset by peer\n  more"));
        assertEquals("(no reason given)", AttemptWatch.reason(null));
    }
}
