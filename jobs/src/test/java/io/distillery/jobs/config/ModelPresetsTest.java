package io.distillery.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The model presets shipped in cluster-conf/ load as job configs and build their models. */
class ModelPresetsTest {
    private static final Path CONF =
            Path.of(System.getProperty("distillery.root", "..")).resolve("cluster-conf");

    @Test
    void everyPresetBuildsItsTeacherAndStudent() throws Exception {
        List<Path> presets;
        try (Stream<Path> files = Files.list(CONF)) {
            presets = files.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("distillery-defaults.yaml"))
                    .sorted()
                    .toList();
        }
        assertTrue(presets.size() >= 2, "presets: " + presets);
        for (Path preset : presets) {
            JobConfig config = ConfigLoader.load(preset, List.of());
            ModelSpec teacher = config.teacher().modelSpec(config.data(), "teacher");
            ModelSpec student = config.student().modelSpec(config.data(), "student");
            assertTrue(teacher.parameterCount() > student.parameterCount() / 10, preset + ": " + teacher);
        }
        JobConfig resnet = ConfigLoader.load(CONF.resolve("resnet-teacher.yaml"), List.of());
        ModelSpec teacher = resnet.teacher().modelSpec(resnet.data(), "teacher");
        assertTrue(
                teacher.layers().stream()
                                .filter(l -> l instanceof LayerSpec.Add)
                                .count()
                        == 2,
                teacher.toString());
        assertTrue(teacher.variableShapes().containsKey("add_2/kernel"), "the downsampling block projects");
    }

    @Test
    void presetsCombineInOrderWithOverridesLast() {
        JobConfig both = ConfigLoader.loadAll(
                List.of(CONF.resolve("resnet-teacher.yaml"), CONF.resolve("mobile-student.yaml")),
                List.of("student.epochs=3"));
        JobConfig resnet = ConfigLoader.load(CONF.resolve("resnet-teacher.yaml"), List.of());
        JobConfig mobile = ConfigLoader.load(CONF.resolve("mobile-student.yaml"), List.of());
        assertEquals(resnet.teacher().layers(), both.teacher().layers());
        assertEquals(mobile.student().layers(), both.student().layers());
        assertEquals(3, both.student().epochs());
        ConfigException missing = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.loadAll(
                        List.of(CONF.resolve("resnet-teacher.yaml"), CONF.resolve("nope.yaml")), List.of()));
        assertTrue(missing.getMessage().contains("nope.yaml does not exist"), missing.getMessage());
    }
}
