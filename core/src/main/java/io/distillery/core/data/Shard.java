package io.distillery.core.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * One worker's training data held in Arrow memory: an int {@value Columns#LABEL} column and one or more
 * fixed-width float columns ({@value Columns#FEATURES}, optionally {@value Columns#TEACHER_LOGITS}).
 *
 * <p>Each training step {@link #gather gathers} a shuffled mini-batch into a fresh, small
 * {@link VectorSchemaRoot}: one memory copy per row and column, no per-element Java loop. The caller
 * owns the batch and closes it; the shard owns its own vectors and closes them in {@link #close()}.
 */
public final class Shard implements AutoCloseable {
    private final BufferAllocator allocator;
    private final LinkedHashMap<String, Integer> widths;
    private final VectorSchemaRoot root;
    private final int rows;
    private boolean closed;

    private Shard(BufferAllocator allocator, LinkedHashMap<String, Integer> widths, VectorSchemaRoot root) {
        this.allocator = allocator;
        this.widths = widths;
        this.root = root;
        this.rows = root.getRowCount();
    }

    /** Number of examples. */
    public int rows() {
        return rows;
    }

    /** Width of a float column. */
    public int width(String column) {
        Integer w = widths.get(column);
        if (w == null) {
            throw new IllegalArgumentException("shard has no column " + column + "; has " + widths.keySet());
        }
        return w;
    }

    public boolean hasColumn(String column) {
        return widths.containsKey(column);
    }

    /** The whole shard as one Arrow batch (owned by the shard: do not close). */
    public VectorSchemaRoot root() {
        checkOpen("root");
        return root;
    }

    /**
     * Copies the given rows into a new batch. The caller closes it.
     *
     * @param rowIndices indices in [0, rows), in batch order
     */
    public VectorSchemaRoot gather(int[] rowIndices) {
        checkOpen("gather");
        VectorSchemaRoot batch = emptyRoot(allocator, widths);
        try {
            int n = rowIndices.length;
            IntVector srcLabels = (IntVector) root.getVector(Columns.LABEL);
            IntVector labels = (IntVector) batch.getVector(Columns.LABEL);
            labels.allocateNew(n);
            ArrowBuf srcLabelBuf = srcLabels.getDataBuffer();
            ArrowBuf labelBuf = labels.getDataBuffer();
            for (int i = 0; i < n; i++) {
                labelBuf.setBytes((long) i * 4, srcLabelBuf, (long) rowIndices[i] * 4, 4);
            }
            labels.setValueCount(n);
            for (Map.Entry<String, Integer> col : widths.entrySet()) {
                int width = col.getValue();
                long rowBytes = (long) width * 4;
                FixedSizeListVector src = (FixedSizeListVector) root.getVector(col.getKey());
                FixedSizeListVector dst = (FixedSizeListVector) batch.getVector(col.getKey());
                Float4Vector dstData = allocateList(dst, n, width);
                ArrowBuf from = ((Float4Vector) src.getDataVector()).getDataBuffer();
                ArrowBuf to = dstData.getDataBuffer();
                for (int i = 0; i < n; i++) {
                    to.setBytes(i * rowBytes, from, rowIndices[i] * rowBytes, rowBytes);
                }
            }
            batch.setRowCount(n);
            return batch;
        } catch (RuntimeException e) {
            batch.close();
            throw e;
        }
    }

    /** A copy of one float column, row-major (for evaluation and tests). */
    public float[] floats(String column) {
        checkOpen("floats");
        int width = width(column);
        float[] out = new float[rows * width];
        FixedSizeListVector v = (FixedSizeListVector) root.getVector(column);
        littleEndian(((Float4Vector) v.getDataVector()).getDataBuffer(), out.length)
                .asFloatBuffer()
                .get(out);
        return out;
    }

    /** A copy of the labels. */
    public int[] labels() {
        checkOpen("labels");
        int[] out = new int[rows];
        littleEndian(((IntVector) root.getVector(Columns.LABEL)).getDataBuffer(), rows)
                .asIntBuffer()
                .get(out);
        return out;
    }

    /** Adds (or replaces) a float column, e.g. a teacher's logits, given row-major. */
    public Shard withColumn(String name, int width, float[] values) {
        checkOpen("withColumn");
        if (values.length != (long) rows * width) {
            throw new IllegalArgumentException(
                    "column " + name + ": expected " + rows + "×" + width + " values, found " + values.length);
        }
        Builder b = new Builder(allocator, rows);
        widths.forEach((col, w) -> b.floatColumn(col, w));
        if (!widths.containsKey(name)) {
            b.floatColumn(name, width);
        }
        b.labels = labels();
        for (String col : widths.keySet()) {
            if (!col.equals(name)) {
                b.put(col, floats(col));
            }
        }
        b.put(name, values);
        return b.build();
    }

    private void checkOpen(String method) {
        if (closed) {
            throw new IllegalStateException("Shard is closed; cannot call " + method + "()");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            root.close();
        }
    }

    /** Starts a shard of {@code rows} examples; fill it column by column, then {@link Builder#build}. */
    public static Builder builder(BufferAllocator allocator, int rows) {
        return new Builder(allocator, rows);
    }

    /** Collects columns in Java arrays, then moves them into Arrow memory in bulk. */
    public static final class Builder {
        private final BufferAllocator allocator;
        private final int rows;
        private final LinkedHashMap<String, Integer> widths = new LinkedHashMap<>();
        private final Map<String, float[]> data = new LinkedHashMap<>();
        private int[] labels;

        private Builder(BufferAllocator allocator, int rows) {
            this.allocator = allocator;
            this.rows = rows;
        }

        public Builder floatColumn(String name, int width) {
            widths.put(name, width);
            return this;
        }

        public Builder put(String name, float[] rowMajor) {
            data.put(name, rowMajor);
            return this;
        }

        public Builder labels(int[] labels) {
            this.labels = labels;
            return this;
        }

        public Shard build() {
            if (labels == null || labels.length != rows) {
                throw new IllegalArgumentException(
                        "shard: expected " + rows + " labels, found " + (labels == null ? 0 : labels.length));
            }
            VectorSchemaRoot root = emptyRoot(allocator, widths);
            try {
                IntVector labelVector = (IntVector) root.getVector(Columns.LABEL);
                labelVector.allocateNew(rows);
                littleEndian(labelVector.getDataBuffer(), rows).asIntBuffer().put(labels);
                labelVector.setValueCount(rows);
                for (Map.Entry<String, Integer> col : widths.entrySet()) {
                    float[] values = data.get(col.getKey());
                    if (values == null || values.length != (long) rows * col.getValue()) {
                        throw new IllegalArgumentException("shard column " + col.getKey() + ": expected " + rows + "×"
                                + col.getValue() + " values, found " + (values == null ? 0 : values.length));
                    }
                    FixedSizeListVector v = (FixedSizeListVector) root.getVector(col.getKey());
                    Float4Vector inner = allocateList(v, rows, col.getValue());
                    littleEndian(inner.getDataBuffer(), values.length)
                            .asFloatBuffer()
                            .put(values);
                }
                root.setRowCount(rows);
                return new Shard(allocator, new LinkedHashMap<>(widths), root);
            } catch (RuntimeException e) {
                root.close();
                throw e;
            }
        }
    }

    static VectorSchemaRoot emptyRoot(BufferAllocator allocator, Map<String, Integer> widths) {
        List<Field> fields = new ArrayList<>();
        fields.add(Field.notNullable(Columns.LABEL, new ArrowType.Int(32, true)));
        for (Map.Entry<String, Integer> col : widths.entrySet()) {
            Field inner = Field.notNullable("item", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
            fields.add(new Field(
                    col.getKey(), FieldType.notNullable(new ArrowType.FixedSizeList(col.getValue())), List.of(inner)));
        }
        return VectorSchemaRoot.create(new org.apache.arrow.vector.types.pojo.Schema(fields), allocator);
    }

    /** The first {@code values} 4-byte values of {@code data}, as a little-endian view (no copy). */
    static ByteBuffer littleEndian(ArrowBuf data, int values) {
        return data.nioBuffer(0, values * 4).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Allocates a fixed-size list of {@code rows} lists and its float child; all slots set. */
    private static Float4Vector allocateList(FixedSizeListVector list, int rows, int width) {
        list.setInitialCapacity(rows);
        list.allocateNew();
        Float4Vector inner = (Float4Vector) list.getDataVector();
        inner.allocateNew(rows * width);
        for (int i = 0; i < rows; i++) {
            list.setNotNull(i);
        }
        // Validity of the child: all set, in bulk.
        ArrowBuf validity = inner.getValidityBuffer();
        validity.setOne(0, (int) validity.capacity());
        inner.setValueCount(rows * width);
        list.setValueCount(rows);
        return inner;
    }
}
