package io.distillery.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.testing.Blobs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a long-lived executor sees over many data-parallel steps and stages: two workers in one JVM
 * (two TF servers, two threads) joined through an in-memory all-gather, as Spark's barrier tasks join
 * in local mode. A step must start no native thread, and a stage must leave no server behind.
 */
class CollectiveLongRunTest {
    private static final CollectiveWorker.Settings SETTINGS = new CollectiveWorker.Settings(30_000, "", 1);
    private static final int WORKERS = 2;

    private static ExecutorService pool;
    private static BufferAllocator allocator;

    @BeforeAll
    static void start() {
        pool = Executors.newFixedThreadPool(WORKERS);
        allocator = new RootAllocator();
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
        allocator.close();
    }

    @Test
    void aDataParallelStepStartsNoNativeThread() throws Exception {
        ModelSpec spec = ModelSpec.of(new int[] {4}, 3, List.of("dense(8,relu)", "dense(3)"));
        int warmUp = 50;
        int steps = 400;
        int[] threads = new int[2];
        runStage((rank, worker) -> {
            try (Shard shard = Blobs.shard(allocator, 96, 100 + rank);
                    Trainer t = trainer(spec, worker)) {
                TrainingLoop.run(t, shard, new TrainingLoop.Plan(steps / 50, 16, 50, 5), new TrainingLoop.Listener() {
                    @Override
                    public void afterStep(Trainer trainer, long step, StepResult result) {
                        if (rank == 0 && (step == warmUp || step == steps - 1)) {
                            threads[step == warmUp ? 0 : 1] = ProcessStats.threads();
                        }
                    }
                });
                return t.step();
            }
        });
        // Before the fix every all-reduce started a timer thread that slept for the op's whole timeout:
        // 2 × 350 threads here. A few may still come and go (gRPC's own pollers).
        assertTrue(
                threads[1] - threads[0] <= 8,
                "threads after step " + warmUp + ": " + threads[0] + ", after step " + (steps - 1) + ": " + threads[1]);
    }

    @Test
    void tenStagesInARowRunOnTheSameServersWithFlatThreadsAndMemory() throws Exception {
        CollectiveWorker.Census first = null;
        int[] threadsAfter = new int[10];
        long[] rssAfter = new long[10];
        for (int stage = 0; stage < 10; stage++) {
            // A different model every stage: a reused server must neither keep the last stage's variables
            // (session isolation) nor its all-reduce shape (fresh instance keys).
            ModelSpec spec = ModelSpec.of(new int[] {4}, 3, List.of("dense(" + (8 + stage) + ",relu)", "dense(3)"));
            List<Boolean> reused = runStage((rank, worker) -> {
                try (Shard shard = Blobs.shard(allocator, 96, 100 + rank);
                        Trainer t = trainer(spec, worker)) {
                    TrainingLoop.run(t, shard, new TrainingLoop.Plan(2, 16, 40, 5), new TrainingLoop.Listener() {});
                    return worker.reused();
                }
            });
            if (stage > 0) {
                assertEquals(List.of(true, true), reused, "stage " + stage + " on the servers of stage 1");
            } else {
                first = CollectiveWorker.census();
            }
            // Java's heap grows and shrinks with garbage; what must stay flat is what TensorFlow holds.
            System.gc();
            threadsAfter[stage] = ProcessStats.threads();
            rssAfter[stage] = ProcessStats.residentBytes();
        }
        CollectiveWorker.Census after = CollectiveWorker.census();
        assertEquals(first, after, "the servers of stage 1 for all ten stages");
        String table =
                "threads after each stage " + Arrays.toString(threadsAfter) + ", RSS " + Arrays.toString(rssAfter);
        System.out.println(table);
        assertTrue(threadsAfter[9] <= threadsAfter[0] * 1.05, table);
        assertTrue(rssAfter[9] <= rssAfter[0] * 1.05, table);
    }

    @Test
    void aServerThatSawAFailureIsNeverReused() throws Exception {
        ModelSpec spec = ModelSpec.of(new int[] {4}, 3, List.of("dense(5,relu)", "dense(3)"));
        runStage((rank, worker) -> 0);
        CollectiveWorker.Census idle = CollectiveWorker.census();
        // The next stage fails: both ranks join on the idle servers, neither goes back to the pool.
        Exchange exchange = new Exchange(WORKERS);
        List<Future<Object>> fs = new ArrayList<>();
        for (int rank = 0; rank < WORKERS; rank++) {
            int r = rank;
            fs.add(pool.submit(() -> {
                CollectiveWorker w =
                        CollectiveWorker.join(m -> exchange.allGather(r, m), "127.0.0.1", r, WORKERS, SETTINGS);
                assertTrue(w.reused());
                w.release(false);
                return null;
            }));
        }
        for (Future<Object> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertEquals(idle.broken() + WORKERS, CollectiveWorker.census().broken());
        List<Boolean> reused = runStage((rank, worker) -> {
            try (Shard shard = Blobs.shard(allocator, 48, 100 + rank);
                    Trainer t = trainer(spec, worker)) {
                TrainingLoop.run(t, shard, new TrainingLoop.Plan(1, 16, 3, 5), new TrainingLoop.Listener() {});
                return worker.reused();
            }
        });
        assertEquals(List.of(false, false), reused, "the stage after a failure meets on new servers");
    }

    @Test
    void theGroupIsTheOneEveryWorkerOffered() {
        assertEquals("b", CollectiveWorker.commonGroup(List.of("a b c", "b c", "b"), 3));
        assertEquals("b", CollectiveWorker.commonGroup(List.of("c b", "b c"), 2));
        assertNull(CollectiveWorker.commonGroup(List.of("a b", ""), 2));
        assertNull(CollectiveWorker.commonGroup(List.of("a", "b"), 2));
    }

    private static Trainer trainer(ModelSpec spec, CollectiveWorker worker) {
        Replica replica = worker.replica();
        Trainer t = new Trainer(Trainer.Options.local(spec, Loss.crossEntropy(), OptimizerSpec.adam(0.01), 5)
                .withReducer(replica.reducer(), replica.sessions()));
        t.load(Initializer.glorotUniform(spec, 5));
        return t;
    }

    /** Runs one stage on every worker, as a barrier stage would: join, train, release; rank order. */
    private static <T> List<T> runStage(BiFunction<Integer, CollectiveWorker, T> body) throws Exception {
        Exchange exchange = new Exchange(WORKERS);
        List<Future<T>> fs = new ArrayList<>();
        for (int rank = 0; rank < WORKERS; rank++) {
            int r = rank;
            fs.add(pool.submit(() -> {
                CollectiveWorker w =
                        CollectiveWorker.join(m -> exchange.allGather(r, m), "127.0.0.1", r, WORKERS, SETTINGS);
                boolean healthy = false;
                try {
                    T out = body.apply(r, w);
                    healthy = true;
                    return out;
                } finally {
                    w.release(healthy);
                }
            }));
        }
        List<T> out = new ArrayList<>();
        for (Future<T> f : fs) {
            out.add(f.get(120, TimeUnit.SECONDS));
        }
        return out;
    }

    /** An all-gather among threads of this JVM, like {@code BarrierTaskContext.allGather}. */
    private static final class Exchange {
        private final String[] slots;
        private final CyclicBarrier barrier;

        Exchange(int size) {
            slots = new String[size];
            barrier = new CyclicBarrier(size);
        }

        List<String> allGather(int rank, String message) {
            try {
                slots[rank] = message;
                barrier.await(60, TimeUnit.SECONDS);
                List<String> out = List.of(slots.clone());
                barrier.await(60, TimeUnit.SECONDS);
                return out;
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("all-gather failed at rank " + rank, e);
            }
        }
    }
}
