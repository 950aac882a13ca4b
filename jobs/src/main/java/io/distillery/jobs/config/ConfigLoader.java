package io.distillery.jobs.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a {@link JobConfig}: the defaults shipped in {@code cluster-conf/distillery-defaults.yaml},
 * then the user's YAML file merged over them, then {@code --set key=value} overrides. Unknown keys,
 * wrong types and out-of-range values fail with the key's dotted path.
 */
public final class ConfigLoader {
    private static final String DEFAULTS = "/io/distillery/jobs/config/distillery-defaults.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);

    private ConfigLoader() {}

    /** The defaults alone. */
    public static JobConfig defaults() {
        return load(null, List.of());
    }

    /**
     * @param file a YAML file, or null for the defaults alone
     * @param overrides {@code dotted.key=value}, value parsed as YAML ({@code [a, b]}, {@code 0.5}, ...)
     */
    public static JobConfig load(Path file, List<String> overrides) {
        return loadAll(file == null ? List.of() : List.of(file), overrides);
    }

    /**
     * @param files YAML files merged in order over the defaults (a later file's keys win), e.g. a
     *     teacher preset and a student preset; none for the defaults alone
     * @param overrides applied after every file
     */
    public static JobConfig loadAll(List<Path> files, List<String> overrides) {
        ObjectNode tree = defaultsTree();
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("config file " + file + " does not exist");
            }
            try {
                mergeYaml(tree, Files.readString(file), file.toString());
            } catch (IOException e) {
                throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage(), e);
            }
        }
        String source = files.isEmpty()
                ? "defaults"
                : String.join(" + ", files.stream().map(Path::toString).toList());
        return finish(tree, source, overrides);
    }

    /**
     * @param yaml a job config's text (only the keys it changes), or null for the defaults alone
     * @param source where the text comes from, for messages
     */
    public static JobConfig parse(String yaml, String source, List<String> overrides) {
        ObjectNode tree = defaultsTree();
        if (yaml != null) {
            mergeYaml(tree, yaml, source);
        }
        return finish(tree, source, overrides);
    }

    private static void mergeYaml(ObjectNode tree, String yaml, String source) {
        JsonNode user;
        try {
            user = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new ConfigException("config file " + source + " is not valid YAML: " + e.getMessage(), e);
        }
        if (user != null && !user.isMissingNode() && !user.isNull()) {
            if (!user.isObject()) {
                throw new ConfigException("config file " + source + ": expected a mapping of keys at the top");
            }
            merge(tree, (ObjectNode) user, "", source);
        }
    }

    private static JobConfig finish(ObjectNode tree, String source, List<String> overrides) {
        for (String o : overrides) {
            applyOverride(tree, o);
        }
        JobConfig config = bind(tree, source);
        Secrets.requireNoUserInfo(config);
        return config;
    }

    /**
     * The config as flat {@code dotted.key → value} text, without secret settings: what two configs
     * are compared by.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, String> flat(JobConfig config) {
        Map<String, String> out = new java.util.TreeMap<>();
        flatten(Secrets.withoutSecrets(YAML.convertValue(config, Map.class), new java.util.ArrayList<>()), "", out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(Map<String, Object> tree, String prefix, Map<String, String> out) {
        tree.forEach((k, v) -> {
            if (v instanceof Map<?, ?> child && !(prefix + k).equals("spark.conf")) {
                flatten((Map<String, Object>) child, prefix + k + ".", out);
            } else {
                out.put(prefix + k, String.valueOf(v));
            }
        });
    }

    /** The config as a plain map (for manifests and reports), secret values masked ({@link Secrets}). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(JobConfig config) {
        return Secrets.masked(YAML.convertValue(config, Map.class));
    }

    /**
     * The config as YAML text (written into each run directory), without secret settings: a comment
     * at the top names the keys left out.
     */
    @SuppressWarnings("unchecked")
    public static String toYaml(JobConfig config) {
        List<String> removed = new java.util.ArrayList<>();
        Map<String, Object> tree = Secrets.withoutSecrets(YAML.convertValue(config, Map.class), removed);
        removed.sort(null);
        try {
            String yaml = YAML.writeValueAsString(tree);
            return removed.isEmpty()
                    ? yaml
                    : "# secret settings left out: " + String.join(", ", removed) + "\n"
                            + "# (give them again with --set, or better through Hadoop's credential providers)\n"
                            + yaml;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode defaultsTree() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("missing " + DEFAULTS + " on the classpath");
            }
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read built-in defaults: " + e.getMessage(), e);
        }
    }

    private static void merge(ObjectNode base, ObjectNode user, String prefix, String source) {
        Iterator<Map.Entry<String, JsonNode>> fields = user.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String key = prefix + e.getKey();
            JsonNode existing = base.get(e.getKey());
            if (existing == null) {
                throw new ConfigException("unknown config key '" + key + "' in " + source + "; known keys here: "
                        + names(prefix.isEmpty() ? base : base));
            }
            if (existing.isObject() && e.getValue().isObject() && !key.equals("spark.conf")) {
                merge((ObjectNode) existing, (ObjectNode) e.getValue(), key + ".", source);
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    private static String names(ObjectNode node) {
        List<String> out = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out.stream().collect(Collectors.joining(", "));
    }

    private static void applyOverride(ObjectNode tree, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set expects key=value, found '" + override + "'");
        }
        String key = override.substring(0, eq).trim();
        String raw = override.substring(eq + 1);
        JsonNode value;
        try {
            value = raw.isEmpty() ? YAML.getNodeFactory().textNode("") : YAML.readTree(raw);
        } catch (IOException e) {
            // e.g. "dense(128,relu)" is no YAML scalar on its own: take the text as it is.
            value = YAML.getNodeFactory().textNode(raw);
        }
        String[] parts = key.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (child == null || !child.isObject()) {
                throw new ConfigException("unknown config key '" + key + "' in --set");
            }
            node = (ObjectNode) child;
        }
        String last = parts[parts.length - 1];
        boolean freeForm = parts.length >= 2 && parts[parts.length - 2].equals("conf");
        if (!node.has(last) && !freeForm) {
            throw new ConfigException("unknown config key '" + key + "' in --set; known keys here: " + names(node));
        }
        if (node.get(last) instanceof ArrayNode) {
            // "--set export.formats=savedmodel,tflite", "--set data.input_shape=8,8,1" or
            // "--set student.layers=[flatten,dense(64,relu),dense(10)]": brackets optional, split at commas
            // outside parentheses (YAML would split dense(64,relu) in two), numbers kept numbers.
            String list = raw.trim();
            if (list.startsWith("[") && list.endsWith("]")) {
                list = list.substring(1, list.length() - 1);
            }
            ArrayNode arr = YAML.createArrayNode();
            for (String item : splitTopLevel(list)) {
                String t = item.trim().replaceAll("^(['\"])(.*)\\1$", "$2");
                if (t.matches("-?\\d+")) {
                    arr.add(Long.parseLong(t));
                } else if (t.matches("-?\\d*\\.\\d+([eE]-?\\d+)?")) {
                    arr.add(Double.parseDouble(t));
                } else if (!t.isEmpty()) {
                    arr.add(t);
                }
            }
            value = arr;
        }
        node.set(last, value);
    }

    static List<String> splitTopLevel(String raw) {
        List<String> out = new java.util.ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char c : raw.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
            if (c == ',' && depth == 0) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    private static JobConfig bind(ObjectNode tree, String source) {
        try {
            return YAML.treeToValue(tree, JobConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException("unknown config key '" + path(e) + "' in " + source, e);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException(
                    "invalid value for '" + path(e) + "': "
                            + (cause == null ? e.getOriginalMessage() : cause.getMessage()),
                    e);
        } catch (InvalidFormatException e) {
            throw new ConfigException(
                    "wrong type for '" + path(e) + "': expected "
                            + e.getTargetType().getSimpleName() + ", found '" + e.getValue() + "'",
                    e);
        } catch (MismatchedInputException e) {
            throw new ConfigException(
                    "wrong type for '" + path(e) + "': expected "
                            + (e.getTargetType() == null
                                    ? "another type"
                                    : e.getTargetType().getSimpleName()),
                    e);
        } catch (IOException e) {
            throw new ConfigException("config " + source + ": " + e.getMessage(), e);
        }
    }

    private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }
}
