/**
 * Training stages as Spark jobs: the adapter that turns a partition into an Arrow shard and runs a
 * {@link io.distillery.stage.StagePlan} on it ({@link io.distillery.stage.StageBody}, Spark-free).
 *
 * <p>One worker ({@code spark.workers: 1}) is a plain Spark task with a local TensorFlow session
 * ({@link io.distillery.jobs.spark.StageRunner}). More are a data-parallel <em>barrier</em> stage
 * ({@link io.distillery.jobs.spark.BarrierStage}): N tasks, each on its own partition of the training
 * data, all holding the same weights after every step.
 *
 * <ul>
 *   <li><b>Gradient sync</b> uses TensorFlow's own collective runtime, as MultiWorkerMirroredStrategy
 *       does: each task starts a gRPC TensorFlow server on a free port, the tasks exchange
 *       {@code host:port} with {@code BarrierTaskContext.allGather}, each session is targeted at its
 *       own server, and the gradients, fused into one vector, are averaged by one
 *       {@code CollectiveReduce} per step ({@link io.distillery.core.train.CollectiveWorker}).
 *       Nothing goes through the driver.
 *   <li><b>Identical start</b>: initial weights come from the seed in Java (bit-identical in every
 *       JVM), or from the same checkpoint file, which the driver picks.
 *   <li><b>Unequal shards</b>: every worker takes the steps per epoch of the largest shard; a smaller
 *       shard re-samples (its epoch continues into a new permutation of its rows). An empty partition
 *       is refused before the stage is submitted.
 *   <li><b>Batch size</b> is per worker: N workers of {@code batch_size} B make a global batch of N×B.
 *   <li><b>Pre-flight</b> ({@link io.distillery.jobs.spark.BarrierPreflight}): task slots for N,
 *       dynamic allocation off, {@code spark.barrier.sync.timeout} set, no empty partition, at least N
 *       full batches of rows; each refusal says which setting to change.
 *   <li><b>Failures</b>: Spark does not retry a failed barrier result stage. The driver runs it again
 *       (up to {@code spark.max_attempts}) on new TensorFlow servers, from the newest checkpoint
 *       (rank 0 writes one every {@code spark.checkpoint_every_steps} steps), so a lost worker costs at
 *       most one checkpoint interval. {@code spark.operation_timeout_ms} bounds how long a step waits
 *       for a dead peer. Bad data, bad config and a diverged loss are not retried.
 *   <li><b>GPUs</b>: with {@code spark.task.resource.gpu.amount} set, a task restricts TensorFlow to
 *       the GPUs Spark assigned it ({@link io.distillery.jobs.spark.GpuAssignment}).
 *   <li><b>Records</b>: {@code <stage>/workers.json} holds the attempts, shard sizes and every rank's
 *       weight digest; {@code <stage>/workers/attempt-A-rank-R.json} where each rank ran.
 * </ul>
 *
 * <p>TensorFlow servers cannot be stopped in TF Java 1.1.0, so an executor keeps its server and the
 * next stage of the same group of executors runs on it again ({@link
 * io.distillery.core.train.CollectiveWorker#join}): a whole pipeline uses one server per task. Only a
 * failed attempt leaves its servers unused (their collective runtime may have aborted), and a new
 * placement of ranks on executors starts new ones. A data-parallel step starts no thread: the
 * all-reduce has no timer of its own, the session's {@code operation_timeout_in_ms} bounds it.
 */
package io.distillery.jobs.spark;
