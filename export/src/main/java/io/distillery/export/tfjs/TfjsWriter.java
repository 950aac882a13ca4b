package io.distillery.export.tfjs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import io.distillery.export.CheckedWeights;
import io.distillery.export.GraphShapes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Writes a TensorFlow.js layers model: {@code model.json} ({@code "format": "layers-model"}, a Keras 2
 * {@code Sequential} topology and a weights manifest) and the weights as little-endian float32 shards
 * {@code group1-shard1ofN.bin ...}, cut every {@code shardBytes} bytes like the TF.js converter does (a
 * weight may span two shards). See the package doc for the layer mapping.
 */
public final class TfjsWriter {
    public static final String FORMAT = "TF.js";
    public static final String MODEL_JSON = "model.json";
    /** The TF.js converter's default shard size, 4 MiB. */
    public static final long DEFAULT_SHARD_BYTES = 4L * 1024 * 1024;

    private static final Pattern SHARD = Pattern.compile("group\\d+-shard\\d+of\\d+\\.bin");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TfjsWriter() {}

    /** Writes with 4 MiB shards; see {@link #write(ModelSpec, Weights, Path, long)}. */
    public static List<Path> write(ModelSpec spec, Weights weights, Path dir) throws IOException {
        return write(spec, weights, dir, DEFAULT_SHARD_BYTES);
    }

    /**
     * Writes the model into {@code dir} (created if missing), shards first and {@code model.json} last.
     *
     * @return the files written, {@code model.json} first, then the shards in order
     * @throws IllegalArgumentException if the weights do not fit the spec, {@code shardBytes < 1}, or
     *     {@code dir} already holds a TF.js model
     * @throws io.distillery.export.UnsupportedLayerException if a layer has no TF.js mapping
     */
    public static List<Path> write(ModelSpec spec, Weights weights, Path dir, long shardBytes) throws IOException {
        return write(spec, weights, dir, shardBytes, TfjsMapping.DEFAULT);
    }

    static List<Path> write(ModelSpec spec, Weights weights, Path dir, long shardBytes, TfjsMapping mapping)
            throws IOException {
        if (shardBytes < 1) {
            throw new IllegalArgumentException(FORMAT + " export: shard size must be >= 1 byte, found " + shardBytes);
        }
        CheckedWeights checked = CheckedWeights.of(spec, weights, FORMAT);
        ObjectNode topology = topology(spec, mapping); // fails on an unmapped layer before any I/O
        checkNoModelIn(dir);

        List<NamedArray> arrays = checked.inOrder();
        long total = 4L * arrays.stream().mapToLong(a -> a.values().length).sum();
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    FORMAT + " export: expected at most 2 GiB of weights, found " + total + " bytes");
        }
        int shards = (int) ((total + shardBytes - 1) / shardBytes);
        Files.createDirectories(dir);
        List<Path> shardFiles = IntStream.rangeClosed(1, shards)
                .mapToObj(i -> dir.resolve("group1-shard" + i + "of" + shards + ".bin"))
                .toList();
        writeShards(arrays, shardFiles, total, shardBytes);

        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", "layers-model");
        root.put("generatedBy", "Distillery");
        root.put("convertedBy", "Distillery TfjsWriter");
        root.set("modelTopology", topology);
        ArrayNode manifest = root.putArray("weightsManifest");
        ObjectNode group = manifest.addObject();
        ArrayNode paths = group.putArray("paths");
        shardFiles.forEach(p -> paths.add(p.getFileName().toString()));
        ArrayNode specs = group.putArray("weights");
        Set<String> depthwise = layersOf(spec, LayerSpec.DepthwiseConv2D.class);
        Set<String> adds = layersOf(spec, LayerSpec.Add.class);
        for (NamedArray a : arrays) {
            ObjectNode w = specs.addObject();
            // TF.js loads weights by layer and Keras name: a depthwise layer's kernel is depthwise_kernel,
            // and an add's variables belong to its shortcut's projection layer.
            String layer = a.name().substring(0, a.name().indexOf('/'));
            String name = depthwise.contains(layer) ? a.name().replace("/kernel", "/depthwise_kernel") : a.name();
            w.put("name", adds.contains(layer) ? name.replace(layer + "/", layer + PROJECTION + "/") : name);
            ArrayNode shape = w.putArray("shape");
            for (long d : a.shape()) {
                shape.add(d);
            }
            w.put("dtype", "float32");
        }
        Path modelJson = dir.resolve(MODEL_JSON);
        MAPPER.writeValue(modelJson.toFile(), root);

        List<Path> written = new ArrayList<>();
        written.add(modelJson);
        written.addAll(shardFiles);
        return written;
    }

    private static ObjectNode topology(ModelSpec spec, TfjsMapping mapping) {
        // A spec with residual blocks needs Keras's functional form (layers wired by name); the others
        // stay a Sequential model, as Keras writes them.
        boolean functional = spec.layers().stream().anyMatch(l -> l instanceof LayerSpec.Residual);
        Wiring wiring = new Wiring(MAPPER.createArrayNode(), functional);
        wiring.append(TfjsLayers.input(spec.inputSize()));
        int[] shape = GraphShapes.of(spec.inputShape());
        if (shape.length == 3) {
            wiring.append(TfjsLayers.reshape("input_nhwc", shape));
        }
        List<ModelSpec.NamedLayer> named = spec.namedLayers();
        List<int[]> shapes = spec.outputShapes();
        String[] outputs = new String[named.size()];
        for (int i = 0; i < named.size(); i++) {
            ModelSpec.NamedLayer layer = named.get(i);
            ObjectNode node = mapping.writer(layer).write(layer, shape, mapping);
            if (layer.spec() instanceof LayerSpec.Add add) {
                ModelSpec.Shortcut shortcut = spec.shortcut(i);
                String body = wiring.current;
                String from = outputs[shortcut.from()];
                if (shortcut.projected()) {
                    wiring.current = from;
                    int[] out = shapes.get(i);
                    wiring.append(TfjsLayers.projection(layer.name() + PROJECTION, shortcut, out[out.length - 1]));
                    from = wiring.current;
                }
                wiring.current = body;
                wiring.append(node, from);
                activation(wiring, layer, add.activation(), mapping);
            } else if (node != null) {
                wiring.append(node);
            }
            if (layer.spec() instanceof LayerSpec.BatchNorm bn) {
                activation(wiring, layer, bn.activation(), mapping);
            }
            outputs[i] = wiring.current;
            shape = GraphShapes.of(shapes.get(i));
        }
        wiring.append(TfjsLayers.softmax("probabilities"));

        ObjectNode modelConfig = MAPPER.createObjectNode();
        modelConfig.put("class_name", functional ? "Model" : "Sequential");
        ObjectNode config = modelConfig.putObject("config");
        config.put("name", "distillery");
        config.set("layers", wiring.layers);
        if (functional) {
            config.putArray("input_layers").addArray().add("input").add(0).add(0);
            config.putArray("output_layers")
                    .addArray()
                    .add("probabilities")
                    .add(0)
                    .add(0);
        }

        ObjectNode topology = MAPPER.createObjectNode();
        // The Keras dialect of the topology (what tf.keras 2.x model.to_json() writes), not a Keras install.
        topology.put("keras_version", "2.15.0");
        topology.put("backend", "tensorflow");
        topology.set("model_config", modelConfig);
        return topology;
    }

    /** A Keras Activation layer after batch norm or an add, which have none of their own. */
    private static void activation(
            Wiring wiring, ModelSpec.NamedLayer layer, LayerSpec.Activation activation, TfjsMapping mapping) {
        if (activation != LayerSpec.Activation.NONE) {
            wiring.append(TfjsLayers.activation(layer.name() + "_activation", mapping.activation(layer, activation)));
        }
    }

    /** The suffix of a residual shortcut's projection layer, whose weights are its add layer's. */
    static final String PROJECTION = "_projection";

    /**
     * The layer list being written; in the functional form each layer names its inputs ({@code
     * inbound_nodes}): the previous layer's output unless given.
     */
    private static final class Wiring {
        final ArrayNode layers;
        final boolean functional;
        String current;

        Wiring(ArrayNode layers, boolean functional) {
            this.layers = layers;
            this.functional = functional;
        }

        void append(ObjectNode node, String... extraInputs) {
            String name = node.path("config").path("name").asText();
            if (functional) {
                node.put("name", name);
                ArrayNode inbound = node.putArray("inbound_nodes");
                if (current != null) {
                    ArrayNode call = inbound.addArray();
                    call.addArray().add(current).add(0).add(0).addObject();
                    for (String in : extraInputs) {
                        call.addArray().add(in).add(0).add(0).addObject();
                    }
                }
            }
            layers.add(node);
            current = name;
        }
    }

    private static Set<String> layersOf(ModelSpec spec, Class<? extends LayerSpec> kind) {
        return spec.namedLayers().stream()
                .filter(l -> kind.isInstance(l.spec()))
                .map(ModelSpec.NamedLayer::name)
                .collect(Collectors.toSet());
    }

    private static void checkNoModelIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.equals(MODEL_JSON) || SHARD.matcher(name).matches()) {
                    throw new IllegalArgumentException(
                            FORMAT + " export: expected a directory without a TF.js model, found " + p
                                    + "; write each model into a fresh directory");
                }
            }
        }
    }

    /** All arrays as one little-endian float32 sequence, cut into files of {@code shardBytes}. */
    private static void writeShards(List<NamedArray> arrays, List<Path> files, long total, long shardBytes)
            throws IOException {
        ByteBuffer all = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        for (NamedArray a : arrays) {
            all.asFloatBuffer().put(a.values());
            all.position(all.position() + 4 * a.values().length);
        }
        byte[] bytes = all.array();
        for (int i = 0; i < files.size(); i++) {
            int from = (int) (i * shardBytes);
            int length = (int) Math.min(shardBytes, total - from);
            try (OutputStream out = Files.newOutputStream(files.get(i))) {
                out.write(bytes, from, length);
            }
        }
    }
}
