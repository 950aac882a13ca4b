package io.distillery.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A teacher that scores each augmented batch: what it is given, and what the loss then reads. */
class ConsistentTeachingTest {
    private static final int[] IMAGE = {4, 4, 1};
    private static final ModelSpec SPEC = ModelSpec.of(IMAGE, 3, List.of("flatten", "dense(3)"));
    private static final int ROWS = 8;
    private static final long SEED = 5;
    private static final Augmentation SHIFT_AND_FLIP = new Augmentation(1, true);

    /** The mean of the fed teacher logits (and none of the model: 0 × its logits keeps a gradient path). */
    static final Loss MEAN_TEACHER_LOGIT = (tf, in) -> tf.math.add(
            tf.math.mean(in.column(Columns.TEACHER_LOGITS, 3), tf.constant(new int[] {0, 1})),
            tf.math.mul(tf.constant(0f), tf.reduceSum(in.logits(), tf.constant(new int[] {0, 1}))));

    private BufferAllocator allocator;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
    }

    @AfterEach
    void close() {
        assertEquals(0, allocator.getAllocatedMemory(), "Arrow memory leaked");
        allocator.close();
    }

    @Test
    void theTeacherScoresTheRowsAsAugmentedAndItsLogitsReplaceTheStoredOnes() {
        float[] features = new float[ROWS * 16];
        Random r = new Random(11);
        for (int i = 0; i < features.length; i++) {
            features[i] = r.nextFloat();
        }
        float[] augmented = features.clone();
        SHIFT_AND_FLIP.apply(augmented, ROWS, IMAGE, SEED, 0);
        assertFalse(Arrays.equals(features, augmented), "the first step's transforms change the rows");
        List<float[]> seen = new ArrayList<>();
        // Scores each row by the sum of its pixels: the loss then reads their mean over rows and classes.
        TeacherScorer teacher = (x, rows) -> {
            seen.add(x.clone());
            float[] logits = new float[rows * 3];
            for (int i = 0; i < rows; i++) {
                float sum = 0;
                for (int j = 0; j < 16; j++) {
                    sum += x[i * 16 + j];
                }
                logits[i * 3] = sum;
            }
            return logits;
        };
        double expected = 0;
        for (float v : augmented) {
            expected += v;
        }
        expected /= ROWS * 3;
        try (Shard shard = shard(features)) {
            assertEquals(0f, firstStepLoss(shard, null), 1e-6, "the stored logits (zeros) without a scorer");
            assertEquals(expected, firstStepLoss(shard, teacher), 1e-4, "the scorer's logits of the augmented rows");
            assertEquals(1, seen.size(), "one scoring per step");
            assertArrayEquals(augmented, seen.get(0), "the teacher saw the rows the student saw");
        }
    }

    @Test
    void aLossThatReadsNoTeacherLogitsRefusesAScorer() {
        Recipe recipe = new Recipe(Recipe.Schedule.CONSTANT, 0, 0, 0, SHIFT_AND_FLIP);
        try (Trainer t = new Trainer(new Trainer.Options(
                SPEC, Loss.crossEntropy(), OptimizerSpec.adam(0.01), null, SEED, null, null, recipe))) {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class, () -> t.scoreTeacherOnAugmentedRows((x, rows) -> new float[rows * 3]));
            assertTrue(e.getMessage().contains(Columns.TEACHER_LOGITS), e.getMessage());
        }
    }

    private float firstStepLoss(Shard shard, TeacherScorer teacher) {
        Recipe recipe = new Recipe(Recipe.Schedule.CONSTANT, 0, 0, 0, SHIFT_AND_FLIP);
        try (Trainer t = new Trainer(new Trainer.Options(
                        SPEC, MEAN_TEACHER_LOGIT, OptimizerSpec.adam(0.01), null, SEED, null, null, recipe));
                VectorSchemaRoot batch = shard.gather(IntStream.range(0, ROWS).toArray())) {
            t.load(Initializer.glorotUniform(SPEC, 1));
            if (teacher != null) {
                t.scoreTeacherOnAugmentedRows(teacher);
            }
            return t.step(batch).loss();
        }
    }

    private Shard shard(float[] features) {
        return Shard.builder(allocator, ROWS)
                .floatColumn(Columns.FEATURES, 16)
                .put(Columns.FEATURES, features)
                .floatColumn(Columns.TEACHER_LOGITS, 3)
                .put(Columns.TEACHER_LOGITS, new float[ROWS * 3])
                .labels(new int[] {0, 1, 2, 0, 1, 2, 0, 1})
                .build();
    }
}
