package io.distillery.core.train;

/**
 * A teacher that scores rows during training: with augmentation on, the distillation targets of a
 * step are the teacher's logits for the rows as augmented, not for the stored rows ("consistent
 * teaching", Beyer et al. 2022), so the student is never asked to match the teacher on an image the
 * teacher did not see.
 */
@FunctionalInterface
public interface TeacherScorer {
    /** Logits, {@code rows × classes}, row-major, of {@code rows} rows of flat features. */
    float[] logits(float[] features, int rows);
}
