package io.distillery.stage;

import io.distillery.core.model.Weights;
import io.distillery.core.train.EpochMetrics;
import java.io.Serializable;
import java.util.List;

/** What a training task hands back to the driver: its final weights and its epoch metrics. */
public record StageResult(int rank, Weights weights, List<EpochMetrics> epochs, long steps) implements Serializable {}
