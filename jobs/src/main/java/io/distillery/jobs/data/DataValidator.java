package io.distillery.jobs.data;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * One pass over a data set before any training: every row must have exactly {@code width} finite
 * features and a label in {@code [0, numClasses)}; the set must not be empty. The first bad row fails
 * the pass with its file, row and field. The same pass counts rows and hashes the content.
 */
public final class DataValidator {
    private DataValidator() {}

    public static DataStats validate(Dataset<Row> data, String source, int width, int numClasses, String configHint) {
        List<long[]> parts = data.queryExecution()
                .toRdd()
                .toJavaRDD()
                .mapPartitions(new Check(width, numClasses, configHint))
                .collect();
        long rows = 0;
        long hash = 0;
        for (long[] p : parts) {
            rows += p[0];
            hash += p[1];
        }
        if (rows == 0) {
            throw new DataException(source + ": the data set is empty");
        }
        return new DataStats(source, rows, String.format("%016x", hash));
    }

    /** Validates rows without labels (every label -1): features only. */
    public static DataStats validateUnlabeled(Dataset<Row> data, String source, int width) {
        return validate(data, source, width, UNLABELED, "");
    }

    /** {@code numClasses} of a set without labels: the label check is skipped. */
    private static final int UNLABELED = -1;

    /** Validates one partition; returns {rows, hash sum}. */
    record Check(int width, int numClasses, String hint)
            implements FlatMapFunction<Iterator<InternalRow>, long[]>, Serializable {
        @Override
        public Iterator<long[]> call(Iterator<InternalRow> rows) {
            long count = 0;
            long hash = 0;
            String lastFile = null;
            long rowInFile = 0;
            while (rows.hasNext()) {
                InternalRow r = rows.next();
                String file = r.isNullAt(2) ? "?" : r.getUTF8String(2).toString();
                if (!file.equals(lastFile)) {
                    lastFile = file;
                    rowInFile = 0;
                }
                String where = (file.isEmpty() ? "data" : file) + " row " + rowInFile;
                if (r.isNullAt(0)) {
                    throw new DataException(where + ": field 'features' is null or not numeric");
                }
                if (r.isNullAt(1)) {
                    throw new DataException(where + ": field 'label' is null");
                }
                ArrayData a = r.getArray(0);
                if (a.numElements() != width) {
                    throw new DataException(where + ": expected " + width + " features, found " + a.numElements()
                            + "; check data.input_shape");
                }
                float[] x;
                try {
                    x = a.toFloatArray();
                } catch (RuntimeException e) {
                    throw new DataException(where + ": field 'features' holds a null value", e);
                }
                long h = 1469598103934665603L;
                for (int i = 0; i < x.length; i++) {
                    float v = x[i];
                    if (!Float.isFinite(v)) {
                        throw new DataException(
                                where + ": feature " + i + " is " + v + " (NaN and Inf are not allowed)");
                    }
                    h = (h ^ Float.floatToIntBits(v)) * 1099511628211L;
                }
                int y = r.getInt(1);
                if (numClasses != UNLABELED && (y < 0 || y >= numClasses)) {
                    throw new DataException(
                            where + ": expected label in [0, " + numClasses + "), found " + y + "; " + hint);
                }
                h = (h ^ y) * 1099511628211L;
                hash += h;
                count++;
                rowInFile++;
            }
            return List.of(new long[] {count, hash}).iterator();
        }
    }
}
