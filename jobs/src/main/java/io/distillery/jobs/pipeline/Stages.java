package io.distillery.jobs.pipeline;

import java.util.List;

/** Names of the pipeline's stages and the run-directory folder each one owns. */
public final class Stages {
    public static final String TEACHER = "teacher";
    public static final String SCRATCH = "student-scratch";
    public static final String STUDENT = "student";
    public static final String PRUNED = "pruned";
    public static final String EXPORT = "export";
    public static final String PUBLISH = "publish";

    /** Training stages in order. */
    public static final List<String> TRAINING = List.of(TEACHER, SCRATCH, STUDENT, PRUNED);

    private Stages() {}
}
