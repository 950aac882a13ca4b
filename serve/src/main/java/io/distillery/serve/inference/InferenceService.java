package io.distillery.serve.inference;

import io.distillery.serve.model.Lease;
import io.distillery.serve.model.ServableRegistry;
import io.distillery.serve.model.ServableVersion;
import io.distillery.serve.model.VersionReport;
import io.distillery.serve.status.ServingException;
import io.distillery.serve.tensor.FloatTensor;
import io.distillery.serve.tensor.SignatureSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/** Predict, metadata and status for one served model, shared by the REST and gRPC front ends. */
public final class InferenceService {
    private final ServableRegistry registry;
    private final int maxInstances;

    /** @param maxInstances rows (first dimension) a predict request may carry */
    public InferenceService(ServableRegistry registry, int maxInstances) {
        this.registry = Objects.requireNonNull(registry, "registry");
        if (maxInstances < 1) {
            throw new IllegalArgumentException("max instances must be >= 1, found " + maxInstances);
        }
        this.maxInstances = maxInstances;
    }

    public String modelName() {
        return registry.modelName();
    }

    /** Runs {@code call} on the version it names, or on the newest loaded one. */
    public PredictResult predict(PredictCall call) throws ServingException {
        requireModel(call.modelName(), call.version());
        try (Lease lease = registry.acquire(call.version())) {
            ServableVersion version = lease.version();
            SignatureSpec signature = version.signature(call.signatureName());
            Map<String, FloatTensor> inputs = call.inputs().resolve(signature);
            int rows = signature.checkInputs(inputs);
            for (Map.Entry<String, FloatTensor> input : inputs.entrySet()) {
                FloatTensor tensor = input.getValue();
                if (tensor.rank() > 0 && tensor.dim(0) > maxInstances) {
                    throw ServingException.invalid("input '" + input.getKey() + "' carries " + tensor.dim(0)
                            + " instances; this server takes at most " + maxInstances
                            + " per request (--max-instances)");
                }
            }
            List<String> outputs = signature.selectOutputs(call.outputFilter());
            Map<String, FloatTensor> values = version.predict(signature, inputs, rows, outputs);
            return new PredictResult(call.modelName(), version.version(), signature.name(), values);
        }
    }

    /** The SignatureDefs of the version named, or of the newest loaded one. */
    public ModelMetadata metadata(String modelName, OptionalLong version) throws ServingException {
        requireModel(modelName, version);
        try (Lease lease = registry.acquire(version)) {
            ServableVersion servable = lease.version();
            return new ModelMetadata(modelName, servable.version(), servable.signatureDefs());
        }
    }

    /** The reports of every version seen, or of one; NOT_FOUND for a version never seen. */
    public List<VersionReport> status(String modelName, OptionalLong version) throws ServingException {
        requireModel(modelName, version);
        if (version.isPresent()) {
            return List.of(registry.report(version.getAsLong())
                    .orElseThrow(() -> ServingException.notFound(
                            "Could not find version " + version.getAsLong() + " of model " + modelName)));
        }
        List<VersionReport> reports = registry.reports();
        if (reports.isEmpty()) {
            throw ServingException.notFound("Could not find any versions of model " + modelName
                    + " yet; the server is still reading its base path");
        }
        return reports;
    }

    private void requireModel(String modelName, OptionalLong version) throws ServingException {
        ModelNames.requireSafe(modelName);
        if (!modelName.equals(registry.modelName())) {
            String request = version.isPresent()
                    ? "Specific(" + modelName + ", " + version.getAsLong() + ")"
                    : "Latest(" + modelName + ")";
            throw ServingException.notFound("Servable not found for request: " + request);
        }
        if (version.isPresent() && version.getAsLong() < 0) {
            throw ServingException.invalid("versions are >= 0, found " + version.getAsLong());
        }
    }
}
