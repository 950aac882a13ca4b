package io.distillery.jobs.spark;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import io.distillery.stage.StageBody;
import io.distillery.stage.StagePlan;
import io.distillery.stage.StageStore;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * A teacher's logits for every training row, computed once per run by a Spark job (each task scores
 * its own partition, loading the teacher once) and kept in the run directory as one Parquet file per
 * partition ({@code part-<i>.parquet}: the row's {@code label} and its {@code teacher_logits}). The
 * distillation and the pruning fine-tune read them with their partition instead of running the
 * teacher again; the label column checks that the rows still line up.
 */
public final class TeacherLogits {
    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("message teacher_logits {"
            + " required int32 label;"
            + " required group teacher_logits (LIST) { repeated group list { required float element; } }"
            + " }");

    private TeacherLogits() {}

    /** One scored partition. */
    public record Part(int partition, int rows, String sha256) implements Serializable {}

    static String file(int partition) {
        return String.format("part-%05d.parquet", partition);
    }

    /**
     * Scores every partition with {@code teacher} and writes the files into {@code dir}.
     *
     * @param dir where the files go, and what a task fetches a brought teacher's SavedModel through
     *     ({@link StageStore#localCopy})
     */
    public static List<Part> score(
            JavaRDD<InternalRow> partitions,
            StagePlan.TeacherSource teacher,
            int[] inputShape,
            int classes,
            StageStore dir) {
        return partitions
                .mapPartitionsWithIndex(
                        (Integer index, Iterator<InternalRow> rows) -> {
                            int width = java.util.Arrays.stream(inputShape).reduce(1, (a, b) -> a * b);
                            try (BufferAllocator allocator = new RootAllocator();
                                    Shard shard = ShardReader.read(rows, width, allocator);
                                    Shard scored = StageBody.withTeacher(
                                            shard, teacher, inputShape, classes, dir, StageRunner.taskConfig())) {
                                return List.of(write(dir, index, scored, classes))
                                        .iterator();
                            }
                        },
                        false)
                .collect();
    }

    private static Part write(StageStore dir, int partition, Shard scored, int classes) throws IOException {
        int[] labels = scored.labels();
        float[] logits = scored.floats(Columns.TEACHER_LOGITS);
        Path tmp = Files.createTempFile("distillery-logits-", ".parquet");
        Files.delete(tmp);
        try {
            SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
            try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.parquet.io.LocalOutputFile(tmp))
                    .withType(SCHEMA)
                    .withCompressionCodec(CompressionCodecName.SNAPPY)
                    .build()) {
                for (int r = 0; r < labels.length; r++) {
                    Group row = groups.newGroup().append("label", labels[r]);
                    Group list = row.addGroup("teacher_logits");
                    for (int c = 0; c < classes; c++) {
                        list.addGroup("list").append("element", logits[r * classes + c]);
                    }
                    w.write(row);
                }
            }
            byte[] bytes = Files.readAllBytes(tmp);
            dir.write(file(partition), out -> out.write(bytes));
            return new Part(partition, labels.length, sha256(bytes));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The logits of partition {@code partition}, checked against the shard's labels (row by row).
     *
     * @throws IllegalStateException if the rows no longer line up with the scored ones
     */
    public static float[] read(StageStore dir, int partition, int[] labels, int classes) throws IOException {
        Path tmp = Files.createTempFile("distillery-logits-", ".parquet");
        try {
            Files.write(tmp, dir.read(file(partition)));
            float[] out = new float[labels.length * classes];
            int r = 0;
            try (ParquetReader<Group> reader = ParquetReader.builder(
                            new GroupReadSupport(), new org.apache.hadoop.fs.Path(tmp.toUri()))
                    .withConf(new Configuration(false))
                    .build()) {
                for (Group g = reader.read(); g != null; g = reader.read(), r++) {
                    if (r >= labels.length || g.getInteger("label", 0) != labels[r]) {
                        throw new IllegalStateException(dir.uri() + "/" + file(partition) + ": row " + r
                                + " does not line up with the training rows (label "
                                + g.getInteger("label", 0) + ", training row's "
                                + (r < labels.length ? labels[r] : "none") + "); delete it to score again");
                    }
                    Group list = g.getGroup("teacher_logits", 0);
                    for (int c = 0; c < classes; c++) {
                        out[r * classes + c] = list.getGroup("list", c).getFloat("element", 0);
                    }
                }
            }
            if (r != labels.length) {
                throw new IllegalStateException(dir.uri() + "/" + file(partition) + ": " + r
                        + " scored rows, the partition has " + labels.length + "; delete it to score again");
            }
            return out;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** One hash for all the files, in partition order. */
    public static String sha256(List<Part> parts) {
        StringBuilder all = new StringBuilder();
        parts.stream()
                .sorted(java.util.Comparator.comparingInt(Part::partition))
                .forEach(p -> all.append(p.sha256()));
        return sha256(all.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Hex SHA-256 of {@code bytes}: how the run pins teachers and their logits. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
