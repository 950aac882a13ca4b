package io.distillery.stage;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.train.Loss;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.Recipe;
import io.distillery.core.train.TrainingLoop;
import io.distillery.distill.DistillationLoss;
import io.distillery.distill.SavedModelTeacher;
import io.distillery.prune.PruningKind;
import io.distillery.prune.PruningPlan;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one training stage does, as a value: which model, trained how, from what. Each kind of stage is
 * its own record, so a stage cannot be half a distillation; {@link StageBody} runs any of them on a
 * shard, without Spark. New kinds (scoring a user's teacher, a search trial) join the {@code permits}
 * list, and every {@code switch} over plans then says where they need handling.
 */
public sealed interface StagePlan extends Serializable
        permits StagePlan.Teacher, StagePlan.Scratch, StagePlan.Distilled, StagePlan.Pruned {

    String TEACHER = "teacher";
    String SCRATCH = "student-scratch";
    String STUDENT = "student";
    String PRUNED = "pruned";

    /** The stage's folder in the run directory. */
    String name();

    ModelSpec spec();

    Training training();

    /** The same stage with its loop planned for the shards it runs on (steps per epoch). */
    StagePlan withLoop(TrainingLoop.Plan loop);

    /** The loss this stage minimises. */
    default Loss loss() {
        return Loss.crossEntropy();
    }

    /** SHA-256 of every model this stage starts from or learns from, by role: its pinned inputs. */
    default Map<String, String> inputs() {
        return Map.of();
    }

    /** The loop (epochs, batch, seed), the optimizer and the rest of the recipe. */
    record Training(TrainingLoop.Plan loop, OptimizerSpec optimizer, Recipe recipe) implements Serializable {
        public Training {
            recipe = recipe == null ? Recipe.PLAIN : recipe;
        }

        public Training(TrainingLoop.Plan loop, OptimizerSpec optimizer) {
            this(loop, optimizer, Recipe.PLAIN);
        }

        Training withLoop(TrainingLoop.Plan newLoop) {
            return new Training(newLoop, optimizer, recipe);
        }
    }

    /** Where soft targets come from: a model trained in this run, or teachers the user brought. */
    sealed interface TeacherSource extends Serializable permits Model, Brought {
        /** What pins this teacher in a stage's inputs: a hash of its weights, or of its SavedModels. */
        String sha256();
    }

    /** A trained model: architecture and weights. */
    record Model(ModelSpec spec, Weights weights) implements TeacherSource {
        public Model {
            spec.checkWeights(weights);
        }

        @Override
        public String sha256() {
            return weights.sha256();
        }
    }

    /**
     * SavedModels the user brought, checked against the data before any training; several are an
     * ensemble, their logits (or log-probabilities) averaged.
     *
     * @param teachers how to read each, its output already resolved (never {@code AUTO})
     * @param sha256 of their {@code saved_model.pb} files, in order, hashed together
     */
    record Brought(List<SavedModelTeacher.Options> teachers, String sha256) implements TeacherSource {
        public Brought {
            teachers = List.copyOf(teachers);
            if (teachers.isEmpty()) {
                throw new IllegalArgumentException("no teacher SavedModel given");
            }
        }
    }

    /**
     * A teacher and the distillation loss's weights (Hinton et al. 2015).
     *
     * @param alpha weight of the cross-entropy with the labels; 1 − α goes to the soft targets
     * @param consistent with augmentation on, the teacher scores every augmented batch while the student
     *     trains (a forward pass of the teacher per step), instead of the stored rows once before it
     */
    record Teaching(TeacherSource teacher, double alpha, double temperature, boolean consistent)
            implements Serializable {
        /** Rows per batch when the teacher scores a shard once, before training: memory, not accuracy. */
        public static final int SCORING_BATCH = 512;

        /** The teacher's logits of the stored rows, scored once. */
        public Teaching(TeacherSource teacher, double alpha, double temperature) {
            this(teacher, alpha, temperature, false);
        }

        Loss loss(int numClasses) {
            return new DistillationLoss(alpha, temperature, numClasses);
        }
    }

    /** The teacher, trained from the labels. */
    record Teacher(ModelSpec spec, Training training) implements StagePlan {
        @Override
        public String name() {
            return TEACHER;
        }

        @Override
        public Teacher withLoop(TrainingLoop.Plan loop) {
            return new Teacher(spec, training.withLoop(loop));
        }
    }

    /** The student trained from the labels alone: the baseline distillation must beat. */
    record Scratch(ModelSpec spec, Training training) implements StagePlan {
        @Override
        public String name() {
            return SCRATCH;
        }

        @Override
        public Scratch withLoop(TrainingLoop.Plan loop) {
            return new Scratch(spec, training.withLoop(loop));
        }
    }

    /** The student trained from the labels and the teacher's soft targets. */
    record Distilled(ModelSpec spec, Training training, Teaching teaching) implements StagePlan {
        @Override
        public String name() {
            return STUDENT;
        }

        @Override
        public Distilled withLoop(TrainingLoop.Plan loop) {
            return new Distilled(spec, training.withLoop(loop), teaching);
        }

        @Override
        public Loss loss() {
            return teaching.loss(spec.numClasses());
        }

        @Override
        public Map<String, String> inputs() {
            return Map.of("teacher", teaching.teacher().sha256());
        }
    }

    /**
     * The distilled student fine-tuned under magnitude pruning, with the same distillation loss:
     * fine-tuning on the labels alone gives back what the teacher taught (measured: −1.65 points
     * instead of −0.5).
     */
    record Pruned(Model start, Training training, Teaching teaching, PruningPlan pruning, PruningKind kind)
            implements StagePlan {
        public Pruned(Model start, Training training, Teaching teaching, PruningPlan pruning) {
            this(start, training, teaching, pruning, PruningKind.UNSTRUCTURED);
        }

        @Override
        public String name() {
            return PRUNED;
        }

        @Override
        public ModelSpec spec() {
            return start.spec();
        }

        @Override
        public Pruned withLoop(TrainingLoop.Plan loop) {
            return new Pruned(start, training.withLoop(loop), teaching, pruning, kind);
        }

        @Override
        public Loss loss() {
            return teaching.loss(spec().numClasses());
        }

        @Override
        public Map<String, String> inputs() {
            Map<String, String> in = new LinkedHashMap<>();
            in.put("start", start.weights().sha256());
            in.put("teacher", teaching.teacher().sha256());
            if (kind != PruningKind.UNSTRUCTURED) { // what a result pruned otherwise does not fit
                in.put("kind", kind.key());
            }
            return in;
        }
    }
}
