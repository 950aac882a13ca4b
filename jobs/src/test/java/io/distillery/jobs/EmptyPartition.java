package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.TrainingLoop;
import io.distillery.jobs.data.DataException;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.spark.BarrierStage;
import io.distillery.jobs.spark.StageRequest;
import io.distillery.jobs.spark.StageRunner;
import io.distillery.stage.StagePlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** A two-worker stage handed one full and one empty partition, in local mode or on a cluster. */
public final class EmptyPartition {
    private EmptyPartition() {}

    /**
     * Runs a teacher stage on 64 rows hash-partitioned on a constant (all land in one partition, the
     * other stays empty) and returns the refusal; asserts no barrier stage was submitted.
     */
    public static DataException refusal(SparkSession spark, Path stageDir) {
        StructType schema = new StructType(new StructField[] {
            new StructField("features", DataTypes.createArrayType(DataTypes.FloatType), false, Metadata.empty()),
            new StructField("label", DataTypes.IntegerType, false, Metadata.empty())
        });
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            rows.add(RowFactory.create(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 2));
        }
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2, functions.col("label"));
        JavaRDD<InternalRow> partitions = df.queryExecution().toRdd().toJavaRDD();
        StagePlan plan = new StagePlan.Teacher(
                ModelSpec.of(new int[] {4}, 3, List.of("dense(4,relu)", "dense(3)")),
                new StagePlan.Training(new TrainingLoop.Plan(1, 8, 0, 1), OptimizerSpec.adam(0.01)));
        StageRequest request = new StageRequest(
                plan, new RunDirectory(stageDir.toUri().toString(), Map.of()), 0, 3, 120_000, null, null);
        DataException e = assertThrows(DataException.class, () -> StageRunner.run(partitions, request));
        assertFalse(Files.exists(stageDir.resolve(BarrierStage.RECORD)), "no barrier stage was submitted");
        return e;
    }
}
