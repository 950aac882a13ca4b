package io.distillery.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.Initializer;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.train.EpochMetrics;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.TrainingLoop;
import io.distillery.prune.PruningPlan;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A stored stage result is used only for the stage it was made for. */
class StageSummaryTest {
    private static final ModelSpec SPEC = ModelSpec.of(new int[] {4}, 3, List.of("dense(16,relu)", "dense(3)"));
    private static final StagePlan.Training TRAINING =
            new StagePlan.Training(new TrainingLoop.Plan(2, 8, 0, 1), OptimizerSpec.adam(0.01));

    private static StageSummary summary(StagePlan plan, Weights w) {
        return StageSummary.of(
                plan, new StageResult(0, w, List.of(new EpochMetrics(0, 4, 0.5, 0.9, 32, 1.0)), 4), 0.91, 0.93, 2.5);
    }

    private static void check(StageSummary s, StagePlan plan, Weights w) {
        s.checkFits(plan.name(), plan.spec(), plan.inputs(), w);
    }

    @Test
    void readsBackWhatItWrote() throws Exception {
        StagePlan plan = new StagePlan.Teacher(SPEC, TRAINING);
        Weights w = Initializer.glorotUniform(SPEC, 1);
        StageSummary s = summary(plan, w);
        StageSummary back = StageSummary.parse(s.toJson());
        assertEquals(s, back);
        assertEquals(List.of("dense(16,relu)", "dense(3)"), back.layers());
        assertEquals(w.sha256(), back.weightsSha256());
        assertTrue(new String(s.toJson()).contains("\"test_accuracy\" : 0.91"), new String(s.toJson()));
        check(back, plan, w);
    }

    @Test
    void aChangedLayerIsNamedWithTheStage() {
        Weights w = Initializer.glorotUniform(SPEC, 1);
        StageSummary s = summary(new StagePlan.Teacher(SPEC, TRAINING), w);
        ModelSpec wider = ModelSpec.of(new int[] {4}, 3, List.of("dense(32,relu)", "dense(3)"));
        StageMismatchException e =
                assertThrows(StageMismatchException.class, () -> check(s, new StagePlan.Teacher(wider, TRAINING), w));
        assertEquals(
                "stage 'teacher': the stored result does not fit the configured model: layer dense_1"
                        + " (dense(32,relu)): dense_1/kernel is [4, 16] in the stored weights, [4, 32] in the configured model",
                e.getMessage());

        // Same shapes, other activation: named by its position and both spellings.
        ModelSpec linear = ModelSpec.of(new int[] {4}, 3, List.of("dense(16)", "dense(3)"));
        e = assertThrows(StageMismatchException.class, () -> check(s, new StagePlan.Teacher(linear, TRAINING), w));
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "stage 'teacher': the stored result was trained with layer 1 dense(16,relu), the configured model has dense(16)"),
                e.getMessage());
    }

    @Test
    void anotherTeacherOrStartIsNamed() {
        Weights student = Initializer.glorotUniform(SPEC, 1);
        StagePlan.Model teacher = new StagePlan.Model(SPEC, Initializer.glorotUniform(SPEC, 2));
        PruningPlan pruning = new PruningPlan(PruningPlan.Kind.CONSTANT, 0, 0.5, 0, -1, 10, 3);
        StagePlan.Pruned plan = new StagePlan.Pruned(
                new StagePlan.Model(SPEC, student), TRAINING, new StagePlan.Teaching(teacher, 0.5, 2), pruning);
        StageSummary s = summary(plan, student);
        check(s, plan, student);
        StagePlan.Pruned retaught = new StagePlan.Pruned(
                plan.start(),
                TRAINING,
                new StagePlan.Teaching(new StagePlan.Model(SPEC, Initializer.glorotUniform(SPEC, 3)), 0.5, 2),
                pruning);
        StageMismatchException e = assertThrows(StageMismatchException.class, () -> check(s, retaught, student));
        assertTrue(
                e.getMessage().startsWith("stage 'pruned': the stored result was trained from another teacher"),
                e.getMessage());
    }

    @Test
    void storedWeightsOfAnotherArchitectureCannotBecomeAModel() {
        ModelSpec deeper = ModelSpec.of(new int[] {4}, 3, List.of("dense(16,relu)", "dense(16,relu)", "dense(3)"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new StagePlan.Model(deeper, Initializer.glorotUniform(SPEC, 1)));
        assertEquals(
                "layer dense_2 (dense(16,relu)): dense_2/kernel is [16, 3] in the stored weights, [16, 16] in the"
                        + " configured model",
                e.getMessage());
    }
}
