package io.distillery.core.train;

/** Training loss and accuracy of one epoch, as averaged over its steps. */
public record EpochMetrics(int epoch, long steps, double loss, double accuracy, long examples, double seconds)
        implements java.io.Serializable {}
