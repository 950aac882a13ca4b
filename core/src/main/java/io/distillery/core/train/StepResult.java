package io.distillery.core.train;

/** Outcome of one optimizer step on one batch. */
public record StepResult(float loss, int correct, int examples) {}
