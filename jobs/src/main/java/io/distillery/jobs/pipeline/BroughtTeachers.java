package io.distillery.jobs.pipeline;

import io.distillery.distill.SavedModelTeacher;
import io.distillery.jobs.config.ConfigException;
import io.distillery.jobs.config.JobConfig;
import io.distillery.jobs.spark.TeacherLogits;
import io.distillery.stage.Json;
import io.distillery.stage.StagePlan;
import io.distillery.stage.StageStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The teachers a run brings ({@code teacher.saved_model}), checked once on the driver before any
 * training: each is fetched, its signature checked against the data, its output kind decided on a
 * sample, and its test accuracy measured. What was found is kept in {@code teacher/teachers.json}
 * and pins the distilled stages' inputs (the SavedModels' hashes).
 *
 * @param teachers one record per SavedModel, in configured order
 * @param testAccuracy the ensemble's (the one teacher's when there is one)
 */
public record BroughtTeachers(List<Teacher> teachers, double testAccuracy) {
    public static final String FILE = "teachers.json";
    /** Rows the output kind is decided on. */
    private static final int SAMPLE_ROWS = 256;

    /** One brought SavedModel, as found. */
    public record Teacher(
            String uri,
            String savedModelSha256,
            String contentSha256,
            String signature,
            String inputKey,
            String outputKey,
            String output,
            double testAccuracy) {

        /** What pins this teacher: its files' hash (saved_model.pb's alone in runs recorded before that). */
        String pin() {
            return contentSha256 != null ? contentSha256 : savedModelSha256;
        }
    }

    /** The stages' teacher source: each SavedModel's options with its output kind resolved. */
    public StagePlan.Brought source(JobConfig.BroughtTeacher config) {
        List<SavedModelTeacher.Options> options = new ArrayList<>();
        StringBuilder hashes = new StringBuilder();
        for (Teacher t : teachers) {
            options.add(new SavedModelTeacher.Options(
                    t.uri(),
                    t.signature(),
                    SavedModelTeacher.Output.parse(t.output()),
                    (float) config.inputScale(),
                    (float) config.inputOffset()));
            hashes.append(t.pin());
        }
        return new StagePlan.Brought(
                options, TeacherLogits.sha256(hashes.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    public static BroughtTeachers read(RunDirectory teacherDir) throws IOException {
        return Json.MAPPER.readValue(teacherDir.read(FILE), BroughtTeachers.class);
    }

    void write(RunDirectory teacherDir) throws IOException {
        teacherDir.writeString(
                FILE, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this));
    }

    /**
     * Fetches and checks every configured SavedModel and measures it on {@code testSet}.
     *
     * @throws ConfigException naming the URI when one is missing; {@link
     *     io.distillery.distill.TeacherMismatchException} (also exit 2) when one does not fit the data
     */
    static BroughtTeachers check(JobConfig config, RunDirectory run, TestSet testSet) throws IOException {
        JobConfig.Data data = config.data();
        List<SavedModelTeacher.Options> configured =
                config.teacher().savedModel().options();
        List<Teacher> found = new ArrayList<>();
        List<SavedModelTeacher> open = new ArrayList<>();
        try {
            for (SavedModelTeacher.Options o : configured) {
                Path dir;
                try {
                    dir = run.localCopy(o.uri());
                } catch (FileNotFoundException e) {
                    throw new ConfigException("teacher.saved_model.uris: " + o.uri() + " does not exist", e);
                }
                SavedModelTeacher t = SavedModelTeacher.open(dir, o, data.shape(), data.numClasses());
                open.add(t);
                int n = Math.min(SAMPLE_ROWS, testSet.rows());
                SavedModelTeacher.Output output =
                        t.resolveOutput(Arrays.copyOf(testSet.features(), n * testSet.width()), n);
                found.add(new Teacher(
                        o.uri(),
                        TeacherLogits.sha256(Files.readAllBytes(dir.resolve("saved_model.pb"))),
                        contentSha256(dir),
                        o.signature(),
                        t.inputKey(),
                        t.outputKey(),
                        output.name().toLowerCase(java.util.Locale.ROOT),
                        testSet.accuracy(t::logits, data.numClasses())));
            }
            double ensemble = open.size() == 1
                    ? found.get(0).testAccuracy()
                    : testSet.accuracy((x, rows) -> mean(open, x, rows), data.numClasses());
            return new BroughtTeachers(found, ensemble);
        } finally {
            for (SavedModelTeacher t : open) {
                t.close();
            }
        }
    }

    /**
     * Fails when a SavedModel changed since this run checked it: the logits it scored, and the students
     * taught with them, belong to the model that was checked (a URI republished with other weights
     * would otherwise go unnoticed: a retrained Keras model often keeps its saved_model.pb).
     *
     * @throws ConfigException naming the URI and both digests
     */
    void checkUnchanged(StageStore run) throws IOException {
        for (Teacher t : teachers) {
            Path dir;
            try {
                dir = run.localCopy(t.uri());
            } catch (FileNotFoundException e) {
                throw new ConfigException(
                        "teacher.saved_model.uris: " + t.uri()
                                + " no longer exists; this run checked and scored it before",
                        e);
            }
            // A run recorded before content hashes pinned saved_model.pb alone.
            String now = t.contentSha256() != null
                    ? contentSha256(dir)
                    : TeacherLogits.sha256(Files.readAllBytes(dir.resolve("saved_model.pb")));
            if (!now.equals(t.pin())) {
                throw new ConfigException("teacher.saved_model.uris: " + t.uri() + " changed since this run checked it"
                        + " (sha256 " + t.pin() + ", now " + now + "); its logits belong to the"
                        + " old model: start a new run, or rerun this one with --restart");
            }
        }
    }

    /** SHA-256 of a directory's files: their relative paths and contents, in path order. */
    static String contentSha256(Path dir) throws IOException {
        List<Path> files;
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        StringBuilder all = new StringBuilder();
        for (Path f : files) {
            all.append(dir.relativize(f))
                    .append('\0')
                    .append(TeacherLogits.sha256(Files.readAllBytes(f)))
                    .append('\n');
        }
        return TeacherLogits.sha256(all.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Top-1 accuracy of the brought teachers (their ensemble) on {@code set}: e.g. the validation rows. */
    static double accuracy(StagePlan.Brought source, StageStore run, TestSet set, JobConfig.Data data)
            throws IOException {
        List<SavedModelTeacher> open = new ArrayList<>();
        try {
            for (SavedModelTeacher.Options o : source.teachers()) {
                open.add(SavedModelTeacher.open(run.localCopy(o.uri()), o, data.shape(), data.numClasses()));
            }
            return set.accuracy((x, rows) -> mean(open, x, rows), data.numClasses());
        } finally {
            for (SavedModelTeacher t : open) {
                t.close();
            }
        }
    }

    private static float[] mean(List<SavedModelTeacher> teachers, float[] x, int rows) {
        float[] sum = null;
        for (SavedModelTeacher t : teachers) {
            float[] l = t.logits(x, rows);
            if (sum == null) {
                sum = l;
            } else {
                for (int i = 0; i < l.length; i++) {
                    sum[i] += l[i];
                }
            }
        }
        return sum;
    }
}
