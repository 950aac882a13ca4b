package io.distillery.core.data;

/** Column names shared by every stage: how a batch is laid out in Arrow and in Spark. */
public final class Columns {
    /** Fixed-size list of float32: the flat feature vector of one example. */
    public static final String FEATURES = "features";
    /** int32 class index in [0, numClasses). */
    public static final String LABEL = "label";
    /** Fixed-size list of float32: a teacher's logits for the example (distillation only). */
    public static final String TEACHER_LOGITS = "teacher_logits";

    private Columns() {}
}
