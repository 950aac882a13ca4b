package io.distillery.publish;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The content of a version's {@code manifest.json}.
 *
 * @param modelName the last segment of the model path
 * @param version   the version directory's number
 * @param runId     the run that produced the version; publishing the same run again returns this version
 * @param created   when the manifest was written (UTC)
 * @param files     every published file except {@code manifest.json} itself, in path order
 * @param fields    the caller's fields (config, metrics, provenance), JSON values: {@code Map},
 *                  {@code List}, {@code String}, {@code Number}, {@code Boolean} or {@code null};
 *                  deeply unmodifiable
 */
public record Manifest(
        String modelName,
        long version,
        String runId,
        Instant created,
        List<ManifestFile> files,
        Map<String, Object> fields) {

    /** File name of the manifest inside a version directory. */
    public static final String FILE_NAME = "manifest.json";

    /** Top-level keys that {@code publish} writes itself; caller fields may not use them. */
    public static final Set<String> RESERVED_KEYS = Collections.unmodifiableSet(
            new LinkedHashSet<>(List.of("model_name", "version", "run_id", "created", "files")));

    public Manifest {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(fields, "fields");
        RepositoryLayout.requireModelName(modelName);
        RepositoryLayout.requireRunId(runId);
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, found " + version);
        }
        files = List.copyOf(files);
        Set<String> seen = new HashSet<>();
        for (ManifestFile file : files) {
            if (!seen.add(file.path())) {
                throw new IllegalArgumentException("file '" + file.path() + "' is listed twice");
            }
            if (file.path().equals(FILE_NAME)) {
                throw new IllegalArgumentException("'" + FILE_NAME + "' cannot list itself as a file");
            }
        }
        for (String key : fields.keySet()) {
            if (key == null || RESERVED_KEYS.contains(key)) {
                throw new IllegalArgumentException("manifest field '" + key + "' is reserved (written by" + " publish: "
                        + RESERVED_KEYS + "); rename the caller's field");
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> frozen = (Map<String, Object>) freeze(fields);
        fields = frozen;
    }

    /** The entry for {@code path}, if the manifest lists it. */
    public Optional<ManifestFile> file(String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst();
    }

    /** Total bytes of the listed files. */
    public long totalSize() {
        return files.stream().mapToLong(ManifestFile::size).sum();
    }

    private static Object freeze(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), freeze(v)));
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(v -> copy.add(freeze(v)));
            return Collections.unmodifiableList(copy);
        }
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        throw new IllegalArgumentException("manifest field values must be JSON values (Map, List, String,"
                + " Number, Boolean or null), found " + value.getClass().getName());
    }
}
