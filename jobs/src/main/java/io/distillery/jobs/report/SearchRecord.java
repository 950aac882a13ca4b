package io.distillery.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.jobs.pipeline.RunDirectory;
import io.distillery.jobs.search.SearchJob;
import io.distillery.stage.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code distillery search} recorded in {@value SearchJob#SUMMARY}: the sampler and objective, the
 * reference (the teacher's validation accuracy), the budgets, the chosen trial and how each budget held,
 * the Pareto fronts and every finished trial. Fields missing from the file read as empty or zero.
 *
 * @param maxAccuracyDrop the accuracy budget, in points below the reference
 * @param maxLatencyMs the latency budget (p50, batch 1); 0: none
 * @param maxBytes the size budget; 0: none
 * @param met whether the chosen trial held every budget (false: it is the best effort)
 * @param checks each budget that applies to the chosen trial, by name (accuracy, latency, size)
 * @param frontSize the Pareto front of validation accuracy against bytes, by bytes ascending
 * @param frontLatency the front against p50 latency; empty when latency was not measured
 * @param failed the trials that failed, with their message
 * @param trials every finished trial, in the file's order
 */
public record SearchRecord(
        String sampler,
        String objective,
        double reference,
        double maxAccuracyDrop,
        double maxLatencyMs,
        long maxBytes,
        String chosen,
        boolean met,
        Map<String, Check> checks,
        List<String> frontSize,
        List<String> frontLatency,
        long trialEpochs,
        double seconds,
        Map<String, String> failed,
        List<Trial> trials) {

    /** One budget applied to the chosen trial; {@code margin} is negative when it missed. */
    public record Check(double value, double limit, boolean held, double margin) {}

    /**
     * One finished trial.
     *
     * @param prune the pruning kind (STRUCTURED, UNSTRUCTURED, NM_2_4), or null for a dense student
     * @param latencyP50Ms the batch-1 p50 latency, or null when it was not measured
     */
    public record Trial(
            String id,
            double width,
            double temperature,
            double alpha,
            String prune,
            double sparsity,
            boolean int8,
            int epochs,
            long parameters,
            double validationAccuracy,
            double testAccuracy,
            long bytes,
            Double latencyP50Ms,
            String runtime) {}

    /** The run's search summary, or null if it has none. */
    public static SearchRecord read(RunDirectory run) throws IOException {
        if (!run.exists(SearchJob.SUMMARY)) {
            return null;
        }
        return parse(Json.MAPPER.readTree(run.read(SearchJob.SUMMARY)));
    }

    static SearchRecord parse(JsonNode s) {
        JsonNode budgets = s.path("budgets");
        Map<String, Check> checks = new LinkedHashMap<>();
        s.path("checks").fields().forEachRemaining(e -> {
            JsonNode c = e.getValue();
            checks.put(
                    e.getKey(),
                    new Check(
                            c.path("value").asDouble(),
                            c.path("limit").asDouble(),
                            c.path("held").asBoolean(),
                            c.path("margin").asDouble()));
        });
        Map<String, String> failed = new LinkedHashMap<>();
        s.path("failed")
                .fields()
                .forEachRemaining(e -> failed.put(e.getKey(), e.getValue().asText()));
        List<Trial> trials = new ArrayList<>();
        for (JsonNode t : s.path("trials")) {
            JsonNode trial = t.path("trial");
            double p50 = t.path("latency_p50_ms").asDouble(-1);
            trials.add(new Trial(
                    t.path("id").asText(),
                    trial.path("width").asDouble(),
                    trial.path("temperature").asDouble(),
                    trial.path("alpha").asDouble(),
                    trial.path("prune").isTextual() ? trial.path("prune").asText() : null,
                    trial.path("sparsity").asDouble(),
                    trial.path("int8").asBoolean(),
                    trial.path("epochs").asInt(),
                    t.path("parameters").asLong(),
                    t.path("validation_accuracy").asDouble(),
                    t.path("test_accuracy").asDouble(),
                    t.path("bytes").asLong(),
                    p50 >= 0 ? p50 : null,
                    t.path("runtime").asText("")));
        }
        return new SearchRecord(
                s.path("sampler").asText(""),
                s.path("objective").asText(""),
                s.path("reference_validation_accuracy").asDouble(),
                budgets.path("max_accuracy_drop").asDouble(),
                budgets.path("max_latency_ms").asDouble(),
                budgets.path("max_bytes").asLong(),
                s.path("chosen").asText(""),
                s.path("met").asBoolean(),
                checks,
                ids(s.path("front_size")),
                ids(s.path("front_latency")),
                s.path("trial_epochs").asLong(),
                s.path("seconds").asDouble(),
                failed,
                List.copyOf(trials));
    }

    private static List<String> ids(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    /** Whether any trial's latency was measured (the report then draws accuracy against latency). */
    public boolean latencyMeasured() {
        return trials.stream().anyMatch(t -> t.latencyP50Ms() != null);
    }
}
