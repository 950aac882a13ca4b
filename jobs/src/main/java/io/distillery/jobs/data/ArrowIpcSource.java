package io.distillery.jobs.data;

import io.distillery.core.data.Columns;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.BaseListVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Arrow IPC files (file format with footer, or stream format) holding a {@code features} list of
 * floating-point values and an integer {@code label}. Read on the driver through the Hadoop
 * FileSystem, then distributed: Arrow IPC is a hand-off format between systems, usually modest in
 * size; larger data belongs in Parquet.
 */
final class ArrowIpcSource {
    private ArrowIpcSource() {}

    static Dataset<Row> read(SparkSession spark, String uri) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<Row> rows = new ArrayList<>();
        try {
            Path root = new Path(uri);
            FileSystem fs = root.getFileSystem(conf);
            if (!fs.exists(root)) {
                throw new DataException("data path " + uri + " does not exist");
            }
            List<Path> files = new ArrayList<>();
            if (fs.getFileStatus(root).isDirectory()) {
                for (FileStatus s : fs.listStatus(root)) {
                    String n = s.getPath().getName();
                    if (s.isFile() && !n.startsWith(".") && !n.startsWith("_")) {
                        files.add(s.getPath());
                    }
                }
                files.sort(null);
            } else {
                files.add(root);
            }
            for (Path file : files) {
                readFile(fs, file, rows);
            }
        } catch (IOException e) {
            throw new DataException("cannot read Arrow IPC data " + uri + ": " + e.getMessage(), e);
        }
        return spark.createDataFrame(rows, DataLoader.SCHEMA);
    }

    private static void readFile(FileSystem fs, Path file, List<Row> rows) throws IOException {
        byte[] bytes;
        try (InputStream in = fs.open(file)) {
            bytes = in.readAllBytes();
        }
        boolean fileFormat = bytes.length >= 6
                && new String(bytes, 0, 6, java.nio.charset.StandardCharsets.US_ASCII).equals("ARROW1");
        try (BufferAllocator allocator = new RootAllocator();
                ArrowReader reader = fileFormat
                        ? new ArrowFileReader(
                                new org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel(bytes), allocator)
                        : new ArrowStreamReader(new java.io.ByteArrayInputStream(bytes), allocator)) {
            long row = 0;
            while (reader.loadNextBatch()) {
                VectorSchemaRoot root = reader.getVectorSchemaRoot();
                FieldVector features = root.getVector(Columns.FEATURES);
                FieldVector label = root.getVector(Columns.LABEL);
                if (features == null || label == null) {
                    throw new DataException(
                            file + ": Arrow schema needs 'features' and 'label' columns, found " + root.getSchema());
                }
                if (!(label instanceof BaseIntVector labels)) {
                    throw new DataException(file + ": column 'label' must be an integer type, found "
                            + label.getField().getType());
                }
                if (!(features instanceof BaseListVector)) {
                    throw new DataException(file + ": column 'features' must be a list of numbers, found "
                            + features.getField().getType());
                }
                FieldVector inner = features instanceof FixedSizeListVector f
                        ? f.getDataVector()
                        : ((ListVector) features).getDataVector();
                if (!(inner instanceof FloatingPointVector values)) {
                    throw new DataException(file + ": column 'features' must hold floating-point values, found "
                            + inner.getField().getType());
                }
                for (int i = 0; i < root.getRowCount(); i++, row++) {
                    int start;
                    int end;
                    if (features instanceof FixedSizeListVector f) {
                        start = i * f.getListSize();
                        end = start + f.getListSize();
                    } else {
                        ListVector l = (ListVector) features;
                        start = l.getElementStartIndex(i);
                        end = l.getElementEndIndex(i);
                    }
                    if (features.isNull(i) || labels.isNull(i)) {
                        throw new DataException(
                                file + " row " + row + ": null " + (features.isNull(i) ? "features" : "label"));
                    }
                    float[] x = new float[end - start];
                    for (int k = start; k < end; k++) {
                        x[k - start] = (float) values.getValueAsDouble(k);
                    }
                    long y = labels.getValueAsLong(i);
                    if (y < Integer.MIN_VALUE || y > Integer.MAX_VALUE) {
                        throw new DataException(file + " row " + row + ": label " + y + " out of int range");
                    }
                    rows.add(RowFactory.create(x, (int) y, file.toString()));
                }
            }
        }
    }
}
