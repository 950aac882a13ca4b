package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.jobs.failure.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets a clear message naming the file, row, field or option, a non-zero exit code, and
 * nothing is published.
 */
class BadInputTest {
    @TempDir
    static Path tmp;

    static Path conf;

    @BeforeAll
    static void setUp() throws Exception {
        conf = tmp.resolve("tiny.yaml");
        Files.writeString(conf, PipelineEndToEndTest.smallConfig(tmp));
    }

    private static CliHarness.Result pipeline(String... sets) {
        List<String> args = new ArrayList<>(List.of("pipeline", "--conf", conf.toString()));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return CliHarness.run(args.toArray(new String[0]));
    }

    private static void assertNothingPublished() {
        assertFalse(Files.exists(tmp.resolve("models/tiny/1")), "a version was published");
    }

    /** A Parquet file of 4-wide rows with one defect planted at row 5. */
    private static Path parquet(String name, float bad, int label, int width) {
        StructType schema = new StructType(new StructField[] {
            new StructField("features", DataTypes.createArrayType(DataTypes.FloatType), false, Metadata.empty()),
            new StructField("label", DataTypes.IntegerType, false, Metadata.empty())
        });
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            float[] x = new float[i == 5 ? width : 4];
            java.util.Arrays.fill(x, 0.5f);
            if (i == 5) {
                x[1] = bad;
            }
            rows.add(RowFactory.create(x, i == 5 ? label : i % 3));
        }
        Dataset<Row> df = CliHarness.spark().createDataFrame(rows, schema).coalesce(1);
        Path out = tmp.resolve(name);
        df.write().parquet(out.toString());
        return out;
    }

    private static CliHarness.Result runOn(Path data) {
        return pipeline(
                "data.train=" + data,
                "data.test=" + data,
                "data.format=parquet",
                "data.input_shape=[4]",
                "data.num_classes=3",
                "data.limit=0",
                "data.test_limit=0",
                "teacher.layers=dense(8,relu),dense(3)",
                "student.layers=dense(4,relu),dense(3)",
                "teacher.batch_size=32",
                "student.batch_size=32");
    }

    @Test
    void missingDataPath() {
        CliHarness.Result r = pipeline("data.train=" + tmp.resolve("nope.parquet"));
        assertEquals(ExitCodes.DATA, r.exitCode(), r.toString());
        assertTrue(r.err().contains("nope.parquet"), r.err());
        assertNothingPublished();
    }

    @Test
    void labelOutOfRange() {
        CliHarness.Result r = runOn(parquet("label.parquet", 0.5f, 7, 4));
        assertEquals(ExitCodes.DATA, r.exitCode(), r.toString());
        assertTrue(r.err().contains("expected label in [0, 3), found 7"), r.err());
        assertTrue(r.err().contains("row 5"), r.err());
        assertTrue(r.err().contains("label.parquet"), "names the file: " + r.err());
        assertNothingPublished();
    }

    @Test
    void nanFeature() {
        CliHarness.Result r = runOn(parquet("nan.parquet", Float.NaN, 1, 4));
        assertEquals(ExitCodes.DATA, r.exitCode(), r.toString());
        assertTrue(r.err().contains("row 5: feature 1 is NaN"), r.err());
        assertNothingPublished();
    }

    @Test
    void wrongWidth() {
        CliHarness.Result r = runOn(parquet("wide.parquet", 0.5f, 1, 6));
        assertEquals(ExitCodes.DATA, r.exitCode(), r.toString());
        assertTrue(r.err().contains("row 5: expected 4 features, found 6"), r.err());
        assertNothingPublished();
    }

    @Test
    void unknownConfigKey() throws Exception {
        Path bad = tmp.resolve("typo.yaml");
        Files.writeString(bad, "teacher:\n  epoch: 3\n");
        CliHarness.Result r = CliHarness.run("pipeline", "--conf", bad.toString());
        assertEquals(ExitCodes.CONFIG, r.exitCode(), r.toString());
        assertTrue(r.err().contains("unknown config key 'teacher.epoch'"), r.err());
        CliHarness.Result set = pipeline("student.epochz=3");
        assertEquals(ExitCodes.CONFIG, set.exitCode(), set.toString());
        assertTrue(set.err().contains("unknown config key 'student.epochz'"), set.err());
        assertNothingPublished();
    }

    @Test
    void negativeSparsity() {
        CliHarness.Result r = pipeline("prune.final_sparsity=-0.2");
        assertEquals(ExitCodes.CONFIG, r.exitCode(), r.toString());
        assertTrue(r.err().contains("prune.final_sparsity must be in [0, 1), found -0.2"), r.err());
        assertNothingPublished();
    }

    @Test
    void nonPositiveTemperature() {
        CliHarness.Result r = pipeline("distill.temperature=0");
        assertEquals(ExitCodes.CONFIG, r.exitCode(), r.toString());
        assertTrue(r.err().contains("distill.temperature must be > 0, found 0.0"), r.err());
        assertNothingPublished();
    }

    @Test
    void alphaOutsideUnitInterval() {
        CliHarness.Result r = pipeline("distill.alpha=1.5");
        assertEquals(ExitCodes.CONFIG, r.exitCode(), r.toString());
        assertTrue(r.err().contains("distill.alpha must be in [0, 1], found 1.5"), r.err());
        assertNothingPublished();
    }

    @Test
    void wrongTypeAndImpossibleModel() {
        CliHarness.Result type = pipeline("teacher.epochs=many");
        assertEquals(ExitCodes.CONFIG, type.exitCode(), type.toString());
        assertTrue(type.err().contains("teacher.epochs"), type.err());
        CliHarness.Result zero = pipeline("student.layers=flatten,dense(0,relu),dense(10)");
        assertEquals(ExitCodes.CONFIG, zero.exitCode(), zero.toString());
        assertTrue(zero.err().contains("student.layers: model layer 2"), zero.err());
        assertTrue(zero.err().contains("units must be > 0"), zero.err());
    }

    @Test
    void unknownExportFormat() {
        CliHarness.Result r =
                CliHarness.run("export", "--conf", conf.toString(), "--run-id", "nope", "--formats", "savedmodel,onnx");
        assertEquals(ExitCodes.CONFIG, r.exitCode(), r.toString());
        assertTrue(r.err().contains("unknown format 'onnx'"), r.err());
        assertNothingPublished();
    }

    @Test
    void helpAndUsageErrors() {
        CliHarness.Result help = CliHarness.run("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("pipeline") && help.out().contains("Exit codes"), help.out());
        CliHarness.Result unknown = CliHarness.run("pipelin");
        assertEquals(ExitCodes.CONFIG, unknown.exitCode());
        assertTrue(unknown.err().contains("pipeline"), "suggests the right command: " + unknown.err());
    }
}
