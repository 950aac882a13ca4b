package io.distillery.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.distillery.core.data.Shard;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.core.testing.Blobs;
import io.distillery.core.testing.KerasLikeSavedModel;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.Replica;
import io.distillery.core.train.TrainingLoop;
import io.distillery.distill.SavedModelTeacher;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A student distilled from a teacher brought as a SavedModel laid out as Keras writes it (softmax
 * output, Keras keys) learns what it learns from the same teacher's weights given directly.
 */
class BroughtTeacherTest {
    private static final ModelSpec LINEAR = ModelSpec.of(new int[] {4}, 3, List.of("dense(3)"));
    private static final ModelSpec STUDENT = ModelSpec.of(new int[] {4}, 3, List.of("dense(8,relu)", "dense(3)"));

    @TempDir
    Path tmp;

    private static StagePlan.Training training(int epochs, long seed) {
        return new StagePlan.Training(new TrainingLoop.Plan(epochs, 20, 0, seed), OptimizerSpec.adam(0.01));
    }

    @Test
    void aStudentDistilledFromAKerasSavedModelMatchesOneDistilledFromTheSameTeachersWeights() throws Exception {
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Blobs.shard(allocator, 240, 5)) {
            Weights teacher = new StageBody(new StagePlan.Teacher(LINEAR, training(3, 1)), new MemoryStore(), 0, null)
                    .run(0, shard, () -> Replica.LOCAL)
                    .weights();
            NamedArray kernel = teacher.get("dense_1/kernel");
            float[][] k = new float[4][3];
            for (int i = 0; i < 4; i++) {
                System.arraycopy(kernel.values(), i * 3, k[i], 0, 3);
            }
            Path saved = tmp.resolve("keras-teacher");
            KerasLikeSavedModel.write(
                    saved,
                    "serving_default",
                    "dense_input",
                    new long[] {-1, 4},
                    "dense_1",
                    k,
                    teacher.get("dense_1/bias").values(),
                    true,
                    false);

            StagePlan.Brought brought = new StagePlan.Brought(
                    List.of(new SavedModelTeacher.Options(
                            saved.toUri().toString(), "serving_default", SavedModelTeacher.Output.PROBABILITIES, 1, 0)),
                    "sha");
            Weights fromSavedModel = distill(shard, brought);
            Weights fromWeights = distill(shard, new StagePlan.Model(LINEAR, teacher));
            Weights withoutTeacherSignal = new StageBody(
                            new StagePlan.Scratch(STUDENT, training(4, 2)), new MemoryStore(), 0, null)
                    .run(0, shard, () -> Replica.LOCAL)
                    .weights();

            // Log-probabilities differ from logits by a per-row constant: the same soft targets, the same
            // student, up to float rounding.
            for (String name : List.of("dense_1/kernel", "dense_2/kernel", "dense_2/bias")) {
                assertArrayEquals(
                        fromWeights.get(name).values(), fromSavedModel.get(name).values(), 1e-4f, name);
            }
            // And the soft targets did something: the student differs from one trained on labels alone.
            assertNotEquals(withoutTeacherSignal.get("dense_2/kernel"), fromSavedModel.get("dense_2/kernel"));
        }
    }

    /**
     * Two brought teachers that output logits teach, averaged, what one teacher with their mean weights
     * teaches: the mean of two linear models' logits is the linear model of their mean weights.
     */
    @Test
    void anEnsembleTeachesTheMeanOfItsTeachersLogits() throws Exception {
        try (BufferAllocator allocator = new RootAllocator();
                Shard shard = Blobs.shard(allocator, 240, 5)) {
            Weights a = new StageBody(new StagePlan.Teacher(LINEAR, training(3, 1)), new MemoryStore(), 0, null)
                    .run(0, shard, () -> Replica.LOCAL)
                    .weights();
            Weights b = new StageBody(new StagePlan.Teacher(LINEAR, training(1, 9)), new MemoryStore(), 0, null)
                    .run(0, shard, () -> Replica.LOCAL)
                    .weights();
            List<SavedModelTeacher.Options> both = List.of(logitsModel("a", a), logitsModel("b", b));
            Weights mean = a;
            for (String name : List.of("dense_1/kernel", "dense_1/bias")) {
                float[] va = a.get(name).values();
                float[] vb = b.get(name).values();
                float[] m = new float[va.length];
                for (int i = 0; i < m.length; i++) {
                    m[i] = (va[i] + vb[i]) / 2;
                }
                mean = mean.with(new NamedArray(name, a.get(name).shape(), m));
            }
            Weights fromEnsemble = distill(shard, new StagePlan.Brought(both, "sha"));
            Weights fromMean = distill(shard, new StagePlan.Model(LINEAR, mean));
            for (String name : List.of("dense_1/kernel", "dense_2/kernel")) {
                assertArrayEquals(
                        fromMean.get(name).values(), fromEnsemble.get(name).values(), 1e-4f, name);
            }
        }
    }

    /** {@code w} (a LINEAR model's weights) saved Keras-style with logits out; how to read it. */
    private SavedModelTeacher.Options logitsModel(String name, Weights w) throws Exception {
        float[][] k = new float[4][3];
        for (int i = 0; i < 4; i++) {
            System.arraycopy(w.get("dense_1/kernel").values(), i * 3, k[i], 0, 3);
        }
        Path dir = tmp.resolve(name);
        KerasLikeSavedModel.write(
                dir,
                "serving_default",
                "x",
                new long[] {-1, 4},
                "logits",
                k,
                w.get("dense_1/bias").values(),
                false,
                false);
        return new SavedModelTeacher.Options(
                dir.toUri().toString(), "serving_default", SavedModelTeacher.Output.LOGITS, 1, 0);
    }

    private static Weights distill(Shard shard, StagePlan.TeacherSource teacher) {
        StagePlan.Distilled plan =
                new StagePlan.Distilled(STUDENT, training(4, 2), new StagePlan.Teaching(teacher, 0.3, 2.0));
        return new StageBody(plan, new MemoryStore(), 0, null)
                .run(0, shard, () -> Replica.LOCAL)
                .weights();
    }
}
