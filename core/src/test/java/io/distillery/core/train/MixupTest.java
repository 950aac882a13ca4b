package io.distillery.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Mixup in the trainer: the targets mix as the rows did, and a teacher must score the mixed rows. */
class MixupTest {
    private static final int[] IMAGE = {4, 4, 1};
    private static final ModelSpec SPEC = ModelSpec.of(IMAGE, 3, List.of("flatten", "dense(3)"));
    private static final int ROWS = 8;
    private static final long SEED = 5;
    private static final int[] LABELS = {0, 1, 2, 0, 1, 2, -1, 1}; // row 6 unlabeled
    private static final Augmentation MIXUP = new Augmentation(1, true, 1);
    private static final Recipe RECIPE = new Recipe(Recipe.Schedule.CONSTANT, 0, 0, 0, MIXUP);

    /** The summed class-0 target of the labelled rows (and none of the model: 0 × its logits keeps a gradient). */
    private static final Loss CLASS_0_TARGET = (tf, in) -> tf.math.add(
            tf.reduceSum(
                    tf.math.mul(
                            tf.squeeze(
                                    tf.slice(in.oneHotLabels(), tf.constant(new int[] {0, 0}), tf.constant(new int[] {
                                        -1, 1
                                    })),
                                    org.tensorflow.op.core.Squeeze.axis(List.of(1L))),
                            in.labelled()),
                    tf.constant(0)),
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
    void theTargetsMixAsTheRowsDidAndAnUnlabeledPartnerLeavesNoHardTarget() {
        float[] features = features();
        Augmentation.Mix mix = MIXUP.apply(features.clone(), ROWS, IMAGE, SEED, 0);
        double expected = 0;
        for (int r = 0; r < ROWS; r++) {
            int p = mix.partner()[r];
            if (LABELS[r] >= 0 && LABELS[p] >= 0) {
                float w = mix.weight()[r];
                expected += w * (LABELS[r] == 0 ? 1 : 0) + (1 - w) * (LABELS[p] == 0 ? 1 : 0);
            }
        }
        try (Shard shard = shard(features);
                Trainer t = new Trainer(new Trainer.Options(
                        SPEC, CLASS_0_TARGET, OptimizerSpec.adam(0.01), null, SEED, null, null, RECIPE));
                VectorSchemaRoot batch = shard.gather(IntStream.range(0, ROWS).toArray())) {
            t.load(Initializer.glorotUniform(SPEC, 1));
            float loss = t.step(batch).loss();
            assertEquals(expected, loss, 1e-5);
            // Without mixup the same batch's class-0 targets are the two labelled rows of class 0.
            assertTrue(Math.abs(loss - 2) > 1e-3, "the mixed targets differ from the plain ones: " + loss);
        }
    }

    @Test
    void aDistilledStageMustHaveTheTeacherScoreTheMixedRows() {
        float[] features = features();
        float[] mixed = features.clone();
        MIXUP.apply(mixed, ROWS, IMAGE, SEED, 0);
        try (Shard shard = shard(features);
                Trainer t = new Trainer(new Trainer.Options(
                        SPEC,
                        ConsistentTeachingTest.MEAN_TEACHER_LOGIT,
                        OptimizerSpec.adam(0.01),
                        null,
                        SEED,
                        null,
                        null,
                        RECIPE));
                VectorSchemaRoot batch = shard.gather(IntStream.range(0, ROWS).toArray())) {
            t.load(Initializer.glorotUniform(SPEC, 1));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.step(batch));
            assertTrue(e.getMessage().contains("consistent teaching"), e.getMessage());
            List<float[]> seen = new ArrayList<>();
            t.scoreTeacherOnAugmentedRows((x, rows) -> {
                seen.add(x.clone());
                return new float[rows * 3];
            });
            t.step(batch);
            assertArrayEquals(mixed, seen.get(0), "the teacher saw the mixed rows the student saw");
        }
    }

    private static float[] features() {
        float[] features = new float[ROWS * 16];
        Random r = new Random(11);
        for (int i = 0; i < features.length; i++) {
            features[i] = r.nextFloat();
        }
        return features;
    }

    private Shard shard(float[] features) {
        return Shard.builder(allocator, ROWS)
                .floatColumn(Columns.FEATURES, 16)
                .put(Columns.FEATURES, features)
                .floatColumn(Columns.TEACHER_LOGITS, 3)
                .put(Columns.TEACHER_LOGITS, new float[ROWS * 3])
                .labels(LABELS)
                .build();
    }
}
