package io.distillery.core.train;

/** Loss and accuracy of a model on a data set. */
public record Evaluation(double loss, double accuracy, long examples) {
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "loss %.4f accuracy %.4f (%d examples)", loss, accuracy, examples);
    }
}
