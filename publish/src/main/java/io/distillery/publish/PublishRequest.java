package io.distillery.publish;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One call of {@code publish}, validated: the run, its local files and the caller's manifest fields.
 *
 * @param runId  the run that produced the files
 * @param local  the scanned local version directory
 * @param fields the caller's manifest fields as plain JSON values
 */
record PublishRequest(String runId, LocalVersion local, Map<String, Object> fields) {

    PublishRequest {
        RepositoryLayout.requireRunId(runId);
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(fields, "fields");
    }

    Manifest manifest(String modelName, long version, Instant created) {
        return new Manifest(modelName, version, runId, created, local.entries(), fields);
    }
}
