package io.distillery.serve.batch;

import io.distillery.serve.status.ServingException;
import io.distillery.serve.status.ServingStatus;
import io.distillery.serve.tensor.FloatTensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * Joins concurrent requests for one signature into batches and runs them on its own threads.
 *
 * <p>A batch starts when its first request has waited {@link BatchingOptions#timeout()} or when
 * {@link BatchingOptions#maxBatchSize()} rows are queued, whichever comes first. Requests whose
 * tensors disagree beyond the first dimension run in separate TensorFlow calls of the same batch.
 * {@link #close()} refuses new requests, fails those still queued with UNAVAILABLE, and returns only
 * when no batch is running, so the model behind {@code runner} can be closed right after.
 */
public final class Batcher implements AutoCloseable {

    /** Runs one joined batch: inputs by key to outputs by key, every tensor {@code [rows, ...]}. */
    @FunctionalInterface
    public interface Runner {
        Map<String, FloatTensor> run(Map<String, FloatTensor> inputs) throws ServingException;
    }

    private final String name;
    private final BatchingOptions options;
    private final Runner runner;
    private final IntConsumer batchSizes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition queued = lock.newCondition();
    private final ArrayDeque<Task> queue = new ArrayDeque<>();
    private final List<Thread> workers = new ArrayList<>();
    private int queuedRows;
    private boolean closed;

    /**
     * @param name       for thread names and messages, e.g. {@code fashion/2/serving_default}
     * @param batchSizes told the rows of every TensorFlow call (metrics)
     */
    public Batcher(String name, BatchingOptions options, Runner runner, IntConsumer batchSizes) {
        this.name = Objects.requireNonNull(name, "name");
        this.options = Objects.requireNonNull(options, "options");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.batchSizes = Objects.requireNonNull(batchSizes, "batchSizes");
        for (int i = 0; i < options.threads(); i++) {
            Thread worker = new Thread(this::work, "serve-batch-" + name + "-" + i);
            worker.setDaemon(true);
            workers.add(worker);
        }
        workers.forEach(Thread::start);
    }

    public BatchingOptions options() {
        return options;
    }

    /**
     * Queues {@code rows} rows; the future completes with this request's own rows of every output.
     *
     * @throws ServingException RESOURCE_EXHAUSTED when the queue is full, UNAVAILABLE when closed
     */
    public CompletableFuture<Map<String, FloatTensor>> submit(Map<String, FloatTensor> inputs, int rows)
            throws ServingException {
        if (rows < 1 || rows > options.maxBatchSize()) {
            throw new IllegalArgumentException(
                    "a batched request has 1.." + options.maxBatchSize() + " rows, found " + rows);
        }
        Task task = new Task(Map.copyOf(inputs), rows, System.nanoTime(), new CompletableFuture<>());
        lock.lock();
        try {
            if (closed) {
                throw new ServingException(ServingStatus.UNAVAILABLE, "model version " + name + " is unloading; retry");
            }
            if (queue.size() >= options.maxQueuedRequests()) {
                throw new ServingException(
                        ServingStatus.RESOURCE_EXHAUSTED,
                        "the batching queue of " + name + " holds " + queue.size()
                                + " requests, its limit; retry later");
            }
            queue.addLast(task);
            queuedRows += rows;
            queued.signal();
        } finally {
            lock.unlock();
        }
        return task.result;
    }

    /** Refuses new requests, fails queued ones, waits for running batches to finish. */
    @Override
    public void close() {
        List<Task> dropped;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            dropped = new ArrayList<>(queue);
            queue.clear();
            queuedRows = 0;
            queued.signalAll();
        } finally {
            lock.unlock();
        }
        for (Task task : dropped) {
            task.result.completeExceptionally(
                    new ServingException(ServingStatus.UNAVAILABLE, "model version " + name + " unloaded; retry"));
        }
        boolean interrupted = false;
        for (Thread worker : workers) {
            while (worker.isAlive()) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    interrupted = true; // keep waiting: the model must not close under a running batch
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void work() {
        while (true) {
            List<Task> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) {
                return;
            }
            if (!batch.isEmpty()) {
                runBatch(batch);
            }
        }
    }

    /** The next batch, empty when another worker took the queued requests, null once closed. */
    private List<Task> nextBatch() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !closed) {
                queued.await();
            }
            if (closed) {
                return null;
            }
            long deadline = queue.peekFirst().enqueuedNanos + options.timeout().toNanos();
            long wait;
            while (!closed
                    && !queue.isEmpty()
                    && queuedRows < options.maxBatchSize()
                    && (wait = deadline - System.nanoTime()) > 0) {
                queued.awaitNanos(wait);
            }
            if (closed) {
                return null;
            }
            List<Task> batch = new ArrayList<>();
            int rows = 0;
            while (!queue.isEmpty() && rows + queue.peekFirst().rows <= options.maxBatchSize()) {
                Task task = queue.pollFirst();
                rows += task.rows;
                queuedRows -= task.rows;
                batch.add(task);
            }
            if (!queue.isEmpty()) {
                queued.signal(); // the rest is another worker's next batch
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private void runBatch(List<Task> batch) {
        // Requests that agree on every input's shape beyond the first dimension share one call.
        List<List<Task>> groups = new ArrayList<>();
        for (Task task : batch) {
            List<Task> home = groups.stream()
                    .filter(group -> compatible(group.get(0), task))
                    .findFirst()
                    .orElse(null);
            if (home == null) {
                home = new ArrayList<>();
                groups.add(home);
            }
            home.add(task);
        }
        groups.forEach(this::runGroup);
    }

    private void runGroup(List<Task> group) {
        try {
            Map<String, FloatTensor> joined = new LinkedHashMap<>();
            for (String key : group.get(0).inputs.keySet()) {
                joined.put(
                        key,
                        FloatTensor.concatRows(
                                group.stream().map(task -> task.inputs.get(key)).toList()));
            }
            int rows = group.stream().mapToInt(Task::rows).sum();
            batchSizes.accept(rows);
            Map<String, FloatTensor> outputs = runner.run(joined);
            int from = 0;
            for (Task task : group) {
                Map<String, FloatTensor> own = new LinkedHashMap<>();
                for (Map.Entry<String, FloatTensor> output : outputs.entrySet()) {
                    FloatTensor all = output.getValue();
                    if (all.rank() == 0 || all.dim(0) != rows) {
                        throw new ServingException(
                                ServingStatus.INTERNAL,
                                "output '" + output.getKey() + "' of " + name + " has shape " + all.shapeText()
                                        + " for a batch of " + rows + " rows");
                    }
                    own.put(output.getKey(), all.rows(from, from + task.rows));
                }
                from += task.rows;
                task.result.complete(own);
            }
        } catch (ServingException | RuntimeException e) {
            for (Task task : group) {
                task.result.completeExceptionally(e);
            }
        }
    }

    private static boolean compatible(Task a, Task b) {
        for (Map.Entry<String, FloatTensor> entry : a.inputs.entrySet()) {
            FloatTensor other = b.inputs.get(entry.getKey());
            if (other == null || !FloatTensor.sameInnerShape(entry.getValue(), other)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "Batcher[" + name + ", " + options + "]";
    }

    private record Task(
            Map<String, FloatTensor> inputs,
            int rows,
            long enqueuedNanos,
            CompletableFuture<Map<String, FloatTensor>> result) {}
}
