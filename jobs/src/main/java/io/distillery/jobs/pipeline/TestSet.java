package io.distillery.jobs.pipeline;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The held-out test set on the driver, where every model of a run is evaluated the same way.
 *
 * @param features row-major, {@code rows × width}
 */
public record TestSet(float[] features, int[] labels, int width) {

    public int rows() {
        return labels.length;
    }

    public static TestSet collect(Dataset<Row> data, int width, int limit) {
        Dataset<Row> d = limit > 0 ? data.limit(limit) : data;
        List<InternalRow> rows =
                d.queryExecution().toRdd().toJavaRDD().map(r -> r.copy()).collect();
        float[] x = new float[rows.size() * width];
        int[] y = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i).getArray(0).toFloatArray(), 0, x, i * width, width);
            y[i] = rows.get(i).getInt(1);
        }
        return new TestSet(x, y, width);
    }

    /** Top-1 accuracy of a model on this set, run by TF Java. */
    public double accuracy(ModelSpec spec, Weights weights) {
        try (Predictor p = new Predictor(spec, weights)) {
            return accuracy(p);
        }
    }

    public double accuracy(Predictor p) {
        return accuracy(p::probabilities, p.spec().numClasses());
    }

    /** Anything that maps rows of features to class probabilities: TF Java, a SavedModel, TFLite. */
    @FunctionalInterface
    public interface Scorer {
        float[] probabilities(float[] features, int rows);
    }

    /** Top-1 accuracy of {@code scorer}, in batches of 1,000 rows. */
    public double accuracy(Scorer scorer, int classes) {
        return accuracy(scorer, classes, 1000);
    }

    /** Top-1 accuracy of {@code scorer}, given {@code batch} rows at a time. */
    public double accuracy(Scorer scorer, int classes, int batch) {
        int correct = 0;
        for (int start = 0; start < rows(); start += batch) {
            int n = Math.min(batch, rows() - start);
            float[] probs = scorer.probabilities(Arrays.copyOfRange(features, start * width, (start + n) * width), n);
            for (int i = 0; i < n; i++) {
                if (argmax(probs, i * classes, classes) == labels[start + i]) {
                    correct++;
                }
            }
        }
        return rows() == 0 ? 0 : (double) correct / rows();
    }

    public static int argmax(float[] v, int offset, int n) {
        int best = 0;
        for (int k = 1; k < n; k++) {
            if (v[offset + k] > v[offset + best]) {
                best = k;
            }
        }
        return best;
    }
}
