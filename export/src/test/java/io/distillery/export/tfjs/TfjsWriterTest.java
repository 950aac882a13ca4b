package io.distillery.export.tfjs;

import static io.distillery.export.TestModels.gaussianRows;
import static io.distillery.export.TestModels.maxAbsDiff;
import static io.distillery.export.TestModels.randomWeights;
import static io.distillery.export.TestModels.reference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.export.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TF.js layers model, loaded by @tensorflow/tfjs 4.22.0 in Node, against TF Java. */
class TfjsWriterTest {
    /** package.json, its lock and predict.cjs; the runner installs node_modules here when missing. */
    static final Path NODE_PROJECT = Paths.get("src/test/node");

    @TempDir
    Path dir;

    @Test
    void denseModelMatchesTensorFlowInOneShard() throws IOException {
        ModelSpec spec = TestModels.DENSE;
        List<Path> files = assertMatchesReference(spec, dir.resolve("dense"), TfjsWriter.DEFAULT_SHARD_BYTES, 31);
        assertEquals(List.of("model.json", "group1-shard1of1.bin"), names(files));
    }

    @Test
    void convModelMatchesTensorFlowAcrossSeveralShards() throws IOException {
        ModelSpec spec = TestModels.CONV;
        // 1,000-byte shards: weights straddle shard boundaries, as with the converter.
        List<Path> files = assertMatchesReference(spec, dir.resolve("conv"), 1000, 32);
        long total = 4 * spec.parameterCount();
        int shards = (int) ((total + 999) / 1000);
        assertTrue(shards >= 3, "expected several shards, found " + shards);
        assertEquals(shards + 1, files.size());
        for (int i = 1; i <= shards; i++) {
            Path shard = files.get(i);
            assertEquals(
                    "group1-shard" + i + "of" + shards + ".bin",
                    shard.getFileName().toString());
            assertEquals(i < shards ? 1000 : total - 1000L * (shards - 1), Files.size(shard));
        }
    }

    @Test
    void mobileModelMatchesTensorFlow() throws IOException {
        assertMatchesReference(TestModels.MOBILE, dir.resolve("mobile"), 4 << 20, 33);
    }

    @Test
    void residualModelIsAFunctionalModelThatMatchesTensorFlow() throws IOException {
        List<Path> files = assertMatchesReference(TestModels.RESIDUAL, dir.resolve("residual"), 4 << 20, 36);
        JsonNode config = new ObjectMapper().readTree(files.get(0).toFile()).at("/modelTopology/model_config");
        assertEquals("Model", config.get("class_name").asText());
        List<String> adds = new ArrayList<>();
        config.at("/config/layers").forEach(l -> {
            if (l.get("class_name").asText().equals("Add")) {
                adds.add(l.get("name").asText() + " <- "
                        + l.at("/inbound_nodes/0/0/0").asText() + " + "
                        + l.at("/inbound_nodes/0/1/0").asText());
            }
        });
        assertEquals(
                List.of(
                        "add_1 <- batchnorm_3 + batchnorm_1_activation",
                        "add_2 <- batchnorm_4 + add_2_projection",
                        "add_3 <- dense_1 + add_3_projection"),
                adds);
    }

    @Test
    void structuredPrunedAndTwoOfFourModelsMatchTensorFlow() throws IOException {
        ModelSpec spec = io.distillery.export.CompressedModels.CNN;
        var shrunk = io.distillery.export.CompressedModels.structured(spec, randomWeights(spec, 37));
        assertMatchesReference(shrunk.spec(), shrunk.weights(), dir.resolve("structured"), 4 << 20, 37);
        Weights sparse = io.distillery.export.CompressedModels.twoOfFour(spec, randomWeights(spec, 38));
        assertMatchesReference(spec, sparse, dir.resolve("two-of-four"), 4 << 20, 38);
    }

    @Test
    void latencyInNodeIsMeasuredPerModel() throws IOException {
        Path out = dir.resolve("latency");
        TfjsWriter.write(TestModels.CONV, randomWeights(TestModels.CONV, 5), out);
        var conv = new TfjsRunner(NODE_PROJECT)
                .latency(
                        java.util.Map.of("conv", out.resolve(TfjsWriter.MODEL_JSON)),
                        gaussianRows(40, TestModels.CONV.inputSize(), 6),
                        TestModels.CONV.inputSize(),
                        new io.distillery.export.latency.LatencyMeter.Settings(2, 2, 5, 2, 32));
        assertEquals(1, conv.size());
        assertEquals("conv", conv.get(0).model());
        assertEquals("tfjs-node", conv.get(0).runtime());
        assertTrue(conv.get(0).p50Ms() > 0 && conv.get(0).p99Ms() >= conv.get(0).p50Ms(), conv.toString());
        assertTrue(conv.get(0).rowsPerSecond() > 0, conv.toString());
    }

    @Test
    void batchNormIsABatchNormalizationLayerAnywhere() throws IOException {
        assertMatchesReference(TestModels.BATCH_NORM, dir.resolve("bn"), 4 << 20, 34);
        assertMatchesReference(TestModels.BATCH_NORM_AFTER_POOL, dir.resolve("bn-pool"), 4 << 20, 35);
    }

    @Test
    void flattenOfAlreadyFlatInputMatchesTensorFlow() throws IOException {
        // TF.js's Flatten wants rank >= 3: these flatten layers become same-size Reshapes.
        assertMatchesReference(TestModels.FLAT_RANK2, dir.resolve("rank2"), TfjsWriter.DEFAULT_SHARD_BYTES, 35);
        assertMatchesReference(TestModels.FLAT_RANK1, dir.resolve("rank1"), TfjsWriter.DEFAULT_SHARD_BYTES, 36);
    }

    private static List<Path> assertMatchesReference(ModelSpec spec, Path out, long shardBytes, long seed)
            throws IOException {
        return assertMatchesReference(spec, randomWeights(spec, seed), out, shardBytes, seed);
    }

    private static List<Path> assertMatchesReference(
            ModelSpec spec, Weights weights, Path out, long shardBytes, long seed) throws IOException {
        List<Path> files = TfjsWriter.write(spec, weights, out, shardBytes);
        int rows = 6;
        float[] x = gaussianRows(rows, spec.inputSize(), seed + 100);
        float[] expected = reference(spec, weights, x, rows);
        float[] actual = new TfjsRunner(NODE_PROJECT).probabilities(files.get(0), x, rows);
        double diff = maxAbsDiff(expected, actual);
        assertTrue(diff <= 1e-5, "max |TF.js - TF| = " + diff + " for " + spec);
        assertTrue(maxAbsDiff(expected, new float[expected.length]) > 1.0 / spec.numClasses());
        return files;
    }

    @Test
    void modelJsonIsAKerasLayersModelWithExactWeightNames() throws IOException {
        ModelSpec spec = TestModels.CONV;
        Weights weights = randomWeights(spec, 33);
        List<Path> files = TfjsWriter.write(spec, weights, dir, 1000);
        JsonNode root = new ObjectMapper().readTree(files.get(0).toFile());
        assertEquals("layers-model", root.get("format").asText());
        JsonNode layers = root.at("/modelTopology/model_config/config/layers");
        List<String> classes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        layers.forEach(l -> {
            classes.add(l.get("class_name").asText());
            names.add(l.at("/config/name").asText());
        });
        assertEquals(
                List.of(
                        "InputLayer",
                        "Reshape",
                        "Conv2D",
                        "Conv2D",
                        "MaxPooling2D",
                        "Dropout",
                        "Conv2D",
                        "Flatten",
                        "Dense",
                        "Dense",
                        "Activation"),
                classes);
        assertEquals(
                List.of(
                        "input",
                        "input_nhwc",
                        "conv2d_1",
                        "conv2d_2",
                        "maxpool_1",
                        "dropout_1",
                        "conv2d_3",
                        "flatten_1",
                        "dense_1",
                        "dense_2",
                        "probabilities"),
                names);
        assertEquals("[null,162]", layers.get(0).at("/config/batch_input_shape").toString());
        assertEquals("[9,9,2]", layers.get(1).at("/config/target_shape").toString());
        assertEquals("same", layers.get(3).at("/config/padding").asText());

        JsonNode manifest = root.get("weightsManifest").get(0);
        List<String> weightNames = new ArrayList<>();
        manifest.get("weights").forEach(w -> weightNames.add(w.get("name").asText()));
        assertEquals(List.copyOf(weights.asMap().keySet()), weightNames);

        // The shards, concatenated, are the weights in manifest order as little-endian float32.
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (JsonNode p : manifest.get("paths")) {
            all.write(Files.readAllBytes(dir.resolve(p.asText())));
        }
        ByteBuffer bytes = ByteBuffer.wrap(all.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode w : manifest.get("weights")) {
            NamedArray a = weights.get(w.get("name").asText());
            long[] shape = new long[w.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = w.get("shape").get(i).asLong();
            }
            assertArrayEquals(a.shape(), shape, a.name());
            float[] stored = new float[a.values().length];
            bytes.asFloatBuffer().get(stored);
            bytes.position(bytes.position() + 4 * stored.length);
            assertArrayEquals(a.values(), stored, a.name());
        }
        assertEquals(0, bytes.remaining());
    }

    @Test
    void refusesToMixWithAModelAlreadyInTheDirectory() throws IOException {
        ModelSpec spec = TestModels.DENSE;
        Weights weights = randomWeights(spec, 34);
        TfjsWriter.write(spec, weights, dir);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TfjsWriter.write(spec, weights, dir));
        assertTrue(e.getMessage().contains("expected a directory without a TF.js model"), e.getMessage());
        IllegalArgumentException zero = assertThrows(
                IllegalArgumentException.class, () -> TfjsWriter.write(spec, weights, dir.resolve("x"), 0));
        assertTrue(zero.getMessage().contains("shard size must be >= 1 byte, found 0"), zero.getMessage());
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(p -> p.getFileName().toString()).toList();
    }
}
