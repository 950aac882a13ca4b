package io.distillery.jobs.spark;

import io.distillery.stage.StageResult;
import java.io.Serializable;

/**
 * What one task of a barrier stage hands back: its rank, where it ran (TensorFlow server address,
 * Spark executor id, process id), a digest of its final weights (all ranks must agree, bit for bit)
 * and, from rank 0 only, the stage result with the weights themselves.
 */
public record WorkerResult(
        int rank, String address, String executor, long pid, String weightsSha256, long steps, StageResult result)
        implements Serializable {}
