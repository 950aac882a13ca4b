package io.distillery.stage;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.Weights;
import io.distillery.core.train.EpochMetrics;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A finished stage's record, {@value #FILE} beside its {@code weights.bin}: what was trained
 * ({@code layers}, the weights' hash), from what (its pinned {@link StagePlan#inputs()}), and how it
 * went. A later run that finds it checks that it still fits the configured stage before using it.
 *
 * @param layers the architecture, one layer per entry as the config spells it
 */
public record StageSummary(
        String stage,
        List<String> layers,
        String weightsSha256,
        Map<String, String> inputs,
        double testAccuracy,
        Double validationAccuracy,
        double seconds,
        long steps,
        long parameters,
        long nonZeroParameters,
        List<EpochMetrics> epochs) {
    public static final String FILE = "result.json";

    public StageSummary {
        layers = layers == null ? null : List.copyOf(layers);
        inputs = inputs == null ? Map.of() : Map.copyOf(inputs);
        epochs = epochs == null ? List.of() : List.copyOf(epochs);
    }

    /** @param validationAccuracy on a validation split, or null without one */
    public static StageSummary of(
            StagePlan plan, StageResult result, double testAccuracy, Double validationAccuracy, double seconds) {
        Weights w = result.weights();
        return new StageSummary(
                plan.name(),
                plan.spec().layers().stream().map(LayerSpec::toString).toList(),
                w.sha256(),
                plan.inputs(),
                testAccuracy,
                validationAccuracy,
                seconds,
                result.steps(),
                w.size(),
                w.nonZeros(),
                result.epochs());
    }

    public byte[] toJson() throws IOException {
        return Json.MAPPER.writeValueAsBytes(this);
    }

    public static StageSummary parse(byte[] json) throws IOException {
        return Json.MAPPER.readValue(json, StageSummary.class);
    }

    /**
     * Fails when this result was made for another model or from other inputs than {@code plan}: a
     * changed config must not silently reuse (or crash on) weights trained for the old one. Records
     * written before layers and inputs were kept are only checked against the weights' shapes.
     *
     * @param inputsNow the stage's pinned inputs now ({@link StagePlan#inputs()}); null not to check them
     * @throws StageMismatchException naming the stage and the first layer or input that differs
     */
    public void checkFits(String stage, ModelSpec spec, Map<String, String> inputsNow, Weights weights) {
        String where = "stage '" + stage + "': the stored result";
        try {
            spec.checkWeights(weights);
        } catch (IllegalArgumentException e) {
            throw new StageMismatchException(where + " does not fit the configured model: " + e.getMessage());
        }
        if (layers != null) {
            List<LayerSpec> now = spec.layers();
            for (int i = 0; i < Math.max(layers.size(), now.size()); i++) {
                String was = i < layers.size() ? layers.get(i) : "(none)";
                String is = i < now.size() ? now.get(i).toString() : "(none)";
                if (!was.equals(is)) {
                    throw new StageMismatchException(where + " was trained with layer " + (i + 1) + " " + was
                            + ", the configured model has " + is + "; use a new run id, or --restart to train again");
                }
            }
        }
        if (inputsNow != null) {
            for (var e : inputsNow.entrySet()) {
                String was = inputs.get(e.getKey());
                if (was != null && !was.equals(e.getValue())) {
                    throw new StageMismatchException(where + " was trained from another " + e.getKey() + " (sha256 "
                            + was + ", now " + e.getValue() + "); use a new run id, or --restart to train again");
                }
            }
        }
    }
}
