package io.distillery.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.testing.KerasLikeSavedModel;
import io.distillery.jobs.config.ConfigException;
import io.distillery.jobs.spark.TeacherLogits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What pins a brought teacher, in runs recorded now and in runs recorded before content hashes. */
class BroughtTeachersTest {
    @TempDir
    Path tmp;

    @Test
    void aTeacherIsPinnedByAllItsFilesAndOldRunsBySavedModelPbAlone() throws Exception {
        Path model = tmp.resolve("model");
        write(model, 1);
        RunDirectory run = new RunDirectory(tmp.resolve("run").toUri().toString(), Map.of());
        String pb = TeacherLogits.sha256(Files.readAllBytes(model.resolve("saved_model.pb")));
        BroughtTeachers now = teachers(model, pb, BroughtTeachers.contentSha256(model));
        BroughtTeachers old = teachers(model, pb, null);
        assertDoesNotThrow(() -> now.checkUnchanged(run));
        assertDoesNotThrow(() -> old.checkUnchanged(run));

        // Another model behind the same URI.
        write(model, 2);
        ConfigException changed = assertThrows(ConfigException.class, () -> now.checkUnchanged(run));
        assertTrue(changed.getMessage().contains(model + " changed since this run checked it"), changed.getMessage());
        assertThrows(ConfigException.class, () -> old.checkUnchanged(run)); // its saved_model.pb differs too

        // Only the variables changed: the content hash sees it (saved_model.pb alone would not).
        write(model, 1);
        String pbNow = TeacherLogits.sha256(Files.readAllBytes(model.resolve("saved_model.pb")));
        BroughtTeachers pinned = teachers(model, pbNow, BroughtTeachers.contentSha256(model));
        BroughtTeachers oldPinned = teachers(model, pbNow, null);
        Path variables;
        try (var files = Files.list(model.resolve("variables"))) {
            variables = files.filter(f -> f.getFileName().toString().startsWith("variables.data"))
                    .findFirst()
                    .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(variables);
        bytes[bytes.length - 1] ^= 1;
        Files.write(variables, bytes);
        assertThrows(ConfigException.class, () -> pinned.checkUnchanged(run));
        assertDoesNotThrow(() -> oldPinned.checkUnchanged(run));
    }

    private static BroughtTeachers teachers(Path model, String pb, String content) {
        return new BroughtTeachers(
                List.of(new BroughtTeachers.Teacher(
                        model.toString(), pb, content, "serving_default", "x", "y", "probabilities", 0.5)),
                0.5);
    }

    private static void write(Path dir, int seed) throws Exception {
        if (Files.exists(dir)) {
            RunDirectory.deleteLocalTree(dir);
        }
        float[][] kernel = new float[4][3];
        kernel[seed % 4][1] = seed;
        KerasLikeSavedModel.write(
                dir, "serving_default", "dense_input", new long[] {-1, 4}, "dense_1", kernel, true, false);
    }
}
