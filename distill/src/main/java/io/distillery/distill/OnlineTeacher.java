package io.distillery.distill;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Predictor;
import io.distillery.core.model.Weights;
import io.distillery.core.train.TeacherScorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.ConfigProto;

/**
 * A teacher kept open while a student trains, scoring each augmented batch (consistent teaching): a
 * trained teacher's weights, or brought SavedModels whose logits are averaged as {@link SoftTargets}
 * averages them. Owns its sessions; close it after training.
 */
public final class OnlineTeacher implements TeacherScorer, AutoCloseable {
    private final List<TeacherScorer> members;
    private final List<AutoCloseable> owned;
    private final int classes;

    private OnlineTeacher(List<TeacherScorer> members, List<AutoCloseable> owned, int classes) {
        this.members = members;
        this.owned = owned;
        this.classes = classes;
    }

    /** A teacher of the run, from its weights. */
    public static OnlineTeacher of(ModelSpec teacher, Weights weights, ConfigProto session) {
        Predictor p = new Predictor(teacher, weights, session);
        return new OnlineTeacher(List.of(p::logits), List.of(p), teacher.numClasses());
    }

    /** Brought SavedModels, each from its local copy in {@code dirs}; closed together if one fails to open. */
    public static OnlineTeacher of(
            List<SavedModelTeacher.Options> teachers,
            List<Path> dirs,
            int[] dataShape,
            int classes,
            ConfigProto session) {
        List<TeacherScorer> members = new ArrayList<>();
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            for (int t = 0; t < teachers.size(); t++) {
                SavedModelTeacher teacher =
                        SavedModelTeacher.open(dirs.get(t), teachers.get(t), dataShape, classes, session);
                owned.add(teacher);
                members.add(teacher::logits);
            }
        } catch (RuntimeException e) {
            closeAll(owned, e);
            throw e;
        }
        return new OnlineTeacher(members, owned, classes);
    }

    @Override
    public float[] logits(float[] features, int rows) {
        if (members.size() == 1) {
            return members.get(0).logits(features, rows);
        }
        float[] mean = new float[rows * classes];
        for (TeacherScorer m : members) {
            float[] out = m.logits(features, rows);
            for (int i = 0; i < mean.length; i++) {
                mean[i] += out[i] / members.size();
            }
        }
        return mean;
    }

    @Override
    public void close() {
        closeAll(owned, null);
    }

    private static void closeAll(List<AutoCloseable> owned, RuntimeException failure) {
        RuntimeException first = failure;
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("closing a teacher failed: " + e.getMessage(), e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null && failure == null) {
            throw first;
        }
    }
}
