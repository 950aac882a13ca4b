package io.distillery.core.train;

/**
 * Outcome of one optimizer step on one batch.
 *
 * @param correct rows whose label the model predicted
 * @param labelled rows with a label (unlabeled rows, label -1, learn from a teacher only): what {@code
 *     correct} counts out of
 */
public record StepResult(float loss, int correct, int examples, int labelled) {
    public StepResult(float loss, int correct, int examples) {
        this(loss, correct, examples, examples);
    }
}
