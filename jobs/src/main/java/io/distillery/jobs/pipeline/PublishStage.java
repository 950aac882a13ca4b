package io.distillery.jobs.pipeline;

import io.distillery.publish.ModelRepository;
import io.distillery.publish.PublishOptions;
import io.distillery.publish.PublishResult;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/** Publishes an exported version directory as the next numbered version of the model. */
public final class PublishStage {
    private PublishStage() {}

    public static PublishResult publish(
            String modelUri, Configuration conf, Path exportDir, String runId, Map<String, Object> manifest)
            throws IOException {
        return publish(modelUri, conf, PublishOptions.defaults(), exportDir, runId, manifest);
    }

    public static PublishResult publish(
            String modelUri,
            Configuration conf,
            PublishOptions options,
            Path exportDir,
            String runId,
            Map<String, Object> manifest)
            throws IOException {
        try (ModelRepository repo = ModelRepository.open(URI.create(modelUri), conf, options)) {
            return repo.publish(exportDir, runId, manifest);
        }
    }
}
