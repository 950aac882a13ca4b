package io.distillery.jobs.data;

import io.distillery.core.data.Columns;
import io.distillery.core.data.IdxReader;
import io.distillery.publish.Messages;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads labelled data into one Spark shape: {@code features array<float>}, {@code label int} and
 * {@code _file} (where the row came from, for error messages). Sources:
 *
 * <ul>
 *   <li>{@code builtin:fashion-mnist}: the IDX files of the Debian package {@code dataset-fashion-mnist};
 *   <li>IDX ({@code format: idx} or a directory holding {@code *-images-idx3-ubyte[.gz]}): read by the
 *       executors themselves, each its own range of rows, through the Hadoop FileSystem;
 *   <li>Parquet and CSV: a {@code features} array column, or every numeric column but {@code label};
 *   <li>Arrow IPC files ({@code .arrow}, {@code format: arrow}): see {@link ArrowIpcSource}.
 * </ul>
 */
public final class DataLoader {
    public static final String FILE = "_file";
    public static final String BUILTIN_FASHION = "builtin:fashion-mnist";
    public static final String FASHION_DIR = "/usr/share/datasets/fashion-mnist";

    public static final StructType SCHEMA = new StructType(new StructField[] {
        new StructField(
                Columns.FEATURES, DataTypes.createArrayType(DataTypes.FloatType, false), false, Metadata.empty()),
        new StructField(Columns.LABEL, DataTypes.IntegerType, false, Metadata.empty()),
        new StructField(FILE, DataTypes.StringType, false, Metadata.empty())
    });

    private DataLoader() {}

    /**
     * @param role {@code train} or {@code test} (which IDX files a builtin or IDX directory means)
     */
    public static Dataset<Row> read(SparkSession spark, String uri, String format, String role, int slices) {
        String f = format.equals("auto") ? detect(uri) : format;
        try {
            return switch (f) {
                case "idx" -> idx(spark, uri, role, slices);
                case "parquet" -> normalize(spark.read().parquet(uri), uri);
                case "csv" ->
                    normalize(
                            spark.read()
                                    .option("header", "true")
                                    .option("inferSchema", "true")
                                    .option("mode", "FAILFAST")
                                    .csv(uri),
                            uri);
                case "arrow" -> ArrowIpcSource.read(spark, uri);
                default -> throw new DataException("unknown data format '" + f + "' for " + uri);
            };
        } catch (DataException e) {
            throw e;
        } catch (Exception e) {
            // Spark's AnalysisException (path not found, unreadable schema) is checked but undeclared.
            if (e instanceof org.apache.spark.sql.AnalysisException) {
                throw new DataException(
                        "cannot read " + uri + " as " + f + ": " + Messages.firstLine(e.getMessage()), e);
            }
            throw e;
        }
    }

    /**
     * Rows without labels ({@code data.unlabeled}): the same sources and shape as {@link #read}, every
     * label -1 (a label column, if there is one, is ignored; none is needed).
     */
    public static Dataset<Row> readUnlabeled(SparkSession spark, String uri, int slices) {
        String f = detect(uri);
        Dataset<Row> rows;
        if (f.equals("parquet") || f.equals("csv")) {
            Dataset<Row> raw = f.equals("parquet")
                    ? spark.read().parquet(uri)
                    : spark.read()
                            .option("header", "true")
                            .option("inferSchema", "true")
                            .option("mode", "FAILFAST")
                            .csv(uri);
            if (!java.util.Arrays.asList(raw.columns()).contains(Columns.LABEL)) {
                raw = raw.withColumn(Columns.LABEL, functions.lit(-1));
            }
            rows = normalize(raw, uri);
        } else {
            rows = read(spark, uri, f, "train", slices);
        }
        return rows.withColumn(Columns.LABEL, functions.lit(-1));
    }

    static String detect(String uri) {
        String u = uri.toLowerCase(Locale.ROOT);
        if (u.equals(BUILTIN_FASHION) || u.contains("idx1-ubyte") || u.contains("idx3-ubyte")) {
            return "idx";
        }
        if (u.contains(".parquet/")) {
            return "parquet";
        }
        String byName = detectFile(u);
        if (!byName.equals("other")) {
            return byName;
        }
        String inside = localDirectoryFormat(uri);
        // Directories written by Spark are Parquet by default; a remote directory is not listed here.
        return inside != null ? inside : "parquet";
    }

    /** The format of a local directory's data files, when they all say the same by their names. */
    private static String localDirectoryFormat(String uri) {
        java.nio.file.Path dir;
        try {
            dir = uri.startsWith("file:")
                    ? java.nio.file.Path.of(java.net.URI.create(uri))
                    : uri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") ? null : java.nio.file.Path.of(uri);
        } catch (RuntimeException e) {
            return null;
        }
        if (dir == null || !java.nio.file.Files.isDirectory(dir)) {
            return null;
        }
        java.util.Set<String> formats = new java.util.HashSet<>();
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".") && !n.startsWith("_"))
                    .forEach(n -> formats.add(detectFile(n)));
        } catch (java.io.IOException e) {
            return null;
        }
        return formats.size() == 1 ? formats.iterator().next() : null;
    }

    private static String detectFile(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".csv") || n.endsWith(".csv.gz")) {
            return "csv";
        }
        if (n.endsWith(".arrow") || n.endsWith(".ipc") || n.endsWith(".feather")) {
            return "arrow";
        }
        return n.endsWith(".parquet") ? "parquet" : "other";
    }

    private static Dataset<Row> normalize(Dataset<Row> raw, String uri) {
        StructType schema = raw.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(Columns.LABEL)) {
            throw new DataException(uri + ": no '" + Columns.LABEL + "' column; found columns " + names);
        }
        DataType labelType = schema.apply(Columns.LABEL).dataType();
        if (!(labelType instanceof IntegralType)) {
            throw new DataException(
                    uri + ": column 'label' must be an integer type, found " + labelType.simpleString());
        }
        Column features;
        if (names.contains(Columns.FEATURES)) {
            DataType t = schema.apply(Columns.FEATURES).dataType();
            if (!(t instanceof org.apache.spark.sql.types.ArrayType a) || !(a.elementType() instanceof NumericType)) {
                throw new DataException(
                        uri + ": column 'features' must be an array of numbers, found " + t.simpleString());
            }
            features = functions.col(Columns.FEATURES).cast(DataTypes.createArrayType(DataTypes.FloatType));
        } else {
            List<Column> cols = new ArrayList<>();
            for (StructField field : schema.fields()) {
                if (field.name().equals(Columns.LABEL)) {
                    continue;
                }
                if (!(field.dataType() instanceof NumericType)) {
                    throw new DataException(uri + ": feature column '" + field.name() + "' must be numeric, found "
                            + field.dataType().simpleString());
                }
                cols.add(functions.col("`" + field.name() + "`").cast(DataTypes.FloatType));
            }
            if (cols.isEmpty()) {
                throw new DataException(uri + ": no feature columns besides 'label'");
            }
            features = functions.array(cols.toArray(new Column[0]));
        }
        return raw.select(
                features.as(Columns.FEATURES),
                functions.col(Columns.LABEL).cast(DataTypes.IntegerType).as(Columns.LABEL),
                functions.input_file_name().as(FILE));
    }

    /** Resolves the image and label IDX files of a builtin name or directory. */
    static String[] idxFiles(String uri, String role) {
        String dir = uri.equals(BUILTIN_FASHION) ? "file://" + FASHION_DIR : uri;
        String prefix = role.equals("test") ? "t10k" : "train";
        return new String[] {dir + "/" + prefix + "-images-idx3-ubyte.gz", dir + "/" + prefix + "-labels-idx1-ubyte.gz"
        };
    }

    private static Dataset<Row> idx(SparkSession spark, String uri, String role, int slices) {
        String[] files = idxFiles(uri, role);
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        int count;
        try {
            for (String f : files) {
                Path p = new Path(f);
                if (!p.getFileSystem(conf).exists(p)) {
                    String hint = uri.equals(BUILTIN_FASHION)
                            ? "; install the built-in data set with: apt-get install dataset-fashion-mnist"
                            : "";
                    throw new DataException("data file " + f + " does not exist" + hint);
                }
            }
            count = readLabels(files[1], conf).length;
        } catch (IOException e) {
            throw new DataException("cannot read " + files[1] + ": " + e.getMessage(), e);
        }
        return spark.range(0, count, 1, Math.max(1, slices))
                .mapPartitions(new IdxPartition(files[0], files[1], hadoopSettings(conf)), Encoders.row(SCHEMA));
    }

    /** The file-system settings an executor needs to open the same paths (S3A endpoint, HDFS...). */
    static java.util.Map<String, String> hadoopSettings(Configuration conf) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        for (java.util.Map.Entry<String, String> e : conf) {
            if (e.getKey().startsWith("fs.")
                    || e.getKey().startsWith("dfs.")
                    || e.getKey().startsWith("hadoop.")) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    static int[] readLabels(String file, Configuration conf) throws IOException {
        Path p = new Path(file);
        try (InputStream in = p.getFileSystem(conf).open(p)) {
            return IdxReader.readLabels(in, file);
        }
    }

    /** One partition of an IDX data set: rows [first id, last id] read by the executor itself. */
    static final class IdxPartition implements MapPartitionsFunction<Long, Row> {
        private final String images;
        private final String labels;
        private final java.util.Map<String, String> settings;

        IdxPartition(String images, String labels, java.util.Map<String, String> settings) {
            this.images = images;
            this.labels = labels;
            this.settings = settings;
        }

        @Override
        public Iterator<Row> call(Iterator<Long> ids) throws IOException {
            if (!ids.hasNext()) {
                return java.util.Collections.emptyIterator();
            }
            long first = ids.next();
            long last = first;
            while (ids.hasNext()) {
                last = ids.next();
            }
            Configuration conf = new Configuration();
            settings.forEach(conf::set);
            int[] y;
            IdxReader.Images x;
            try {
                y = readLabels(labels, conf);
                Path p = new Path(images);
                try (InputStream in = p.getFileSystem(conf).open(p)) {
                    x = IdxReader.readImages(in, images);
                }
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                // Truncated or corrupt content is bad data, not a storage failure: name the file.
                throw new DataException(
                        "unreadable IDX data in " + images + " or " + labels + ": " + e.getMessage(), e);
            } catch (IOException e) {
                if (e.getMessage() != null
                        && (e.getMessage().contains("IDX") || e.getMessage().contains("GZIP"))) {
                    throw new DataException(
                            e.getMessage().contains(images) || e.getMessage().contains(labels)
                                    ? e.getMessage()
                                    : "unreadable IDX data in " + images + ": " + e.getMessage(),
                            e);
                }
                throw e;
            }
            if (x.count() != y.length) {
                throw new DataException(
                        images + " holds " + x.count() + " images but " + labels + " holds " + y.length + " labels");
            }
            int width = x.width();
            long from = first;
            long to = last;
            return new Iterator<>() {
                long i = from;

                @Override
                public boolean hasNext() {
                    return i <= to;
                }

                @Override
                public Row next() {
                    int r = (int) i++;
                    float[] f = Arrays.copyOfRange(x.pixels(), r * width, (r + 1) * width);
                    return RowFactory.create(f, y[r], images);
                }
            };
        }
    }
}
