package io.distillery.serve.model;

import io.distillery.publish.Messages;
import io.distillery.serve.batch.Batcher;
import io.distillery.serve.batch.BatchingOptions;
import io.distillery.serve.status.ServingException;
import io.distillery.serve.status.ServingStatus;
import io.distillery.serve.tensor.FloatTensor;
import io.distillery.serve.tensor.SignatureSpec;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TFloat32;

/**
 * One loaded version of a model: its SavedModel bundle, signatures, batchers, and the count of
 * requests running on it.
 *
 * <p>Requests run under a {@link Lease}. {@link #retire()} refuses new leases; {@link #close()} then
 * waits until the open ones are closed, stops the batchers (waiting for running batches) and only then
 * closes the bundle, so a hot swap never fails a request that was already admitted.
 */
public final class ServableVersion implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServableVersion.class.getName());
    /** Signatures TensorFlow adds for its own use; TF Serving hides them too. */
    private static final String INTERNAL_PREFIX = "__";

    private final String modelName;
    private final long version;
    private final SavedModelBundle bundle;
    private final Map<String, SignatureDef> signatureDefs;
    private final Map<String, SignatureSpec> signatures;
    private final Map<String, SessionFunction> functions;
    private final Map<String, Batcher> batchers;
    private final Duration requestTimeout;
    private final Object leases = new Object();
    private int inFlight;
    private boolean retired;
    private boolean closed;

    private ServableVersion(
            String modelName,
            long version,
            SavedModelBundle bundle,
            Map<String, SignatureDef> defs,
            Map<String, SignatureSpec> signatures,
            Map<String, SessionFunction> functions,
            Map<String, Batcher> batchers,
            Duration requestTimeout) {
        this.modelName = modelName;
        this.version = version;
        this.bundle = bundle;
        this.signatureDefs = defs;
        this.signatures = signatures;
        this.functions = functions;
        this.batchers = batchers;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Takes ownership of {@code bundle} (closing it if this fails): reads its signatures and starts a
     * batcher for each batchable one when {@code batching} is given.
     */
    static ServableVersion open(
            String modelName,
            long version,
            SavedModelBundle bundle,
            Optional<BatchingOptions> batching,
            Duration requestTimeout,
            IntConsumer batchSizes) {
        Objects.requireNonNull(bundle, "bundle");
        Map<String, Batcher> batchers = new LinkedHashMap<>();
        try {
            Map<String, SignatureDef> defs = new TreeMap<>();
            Map<String, SignatureSpec> specs = new TreeMap<>();
            Map<String, SessionFunction> functions = new TreeMap<>();
            bundle.metaGraphDef().getSignatureDefMap().forEach((key, def) -> {
                if (!key.startsWith(INTERNAL_PREFIX)) {
                    defs.put(key, def);
                    SignatureSpec spec = SignatureSpec.of(key, def);
                    specs.put(key, spec);
                    if (spec.runnable()) {
                        functions.put(key, bundle.function(key));
                    }
                }
            });
            if (batching.isPresent()) {
                for (String key : functions.keySet()) {
                    if (specs.get(key).batchable()) {
                        SessionFunction function = functions.get(key);
                        batchers.put(
                                key,
                                new Batcher(
                                        modelName + "/" + version + "/" + key,
                                        batching.get(),
                                        inputs -> runOn(function, inputs),
                                        batchSizes));
                    }
                }
            }
            return new ServableVersion(
                    modelName,
                    version,
                    bundle,
                    Collections.unmodifiableMap(defs),
                    Collections.unmodifiableMap(specs),
                    Collections.unmodifiableMap(functions),
                    Collections.unmodifiableMap(batchers),
                    requestTimeout);
        } catch (RuntimeException e) {
            batchers.values().forEach(Batcher::close);
            bundle.close();
            throw e;
        }
    }

    public String modelName() {
        return modelName;
    }

    public long version() {
        return version;
    }

    /** Every signature except TensorFlow's internal ones, by key. */
    public Map<String, SignatureDef> signatureDefs() {
        return signatureDefs;
    }

    /** The signature {@code key}, or NOT_FOUND naming the ones there are. */
    public SignatureSpec signature(String key) throws ServingException {
        SignatureSpec spec = signatures.get(key);
        if (spec == null) {
            throw ServingException.invalid("Serving signature name: \"" + key + "\" not found in signature def;"
                    + " model " + modelName + " version " + version + " has " + signatures.keySet());
        }
        return spec;
    }

    /**
     * Runs {@code inputs} (already checked against the signature) and returns the {@code outputs}
     * asked for. Batched when this signature has a batcher and the request fits in one batch.
     */
    public Map<String, FloatTensor> predict(
            SignatureSpec signature, Map<String, FloatTensor> inputs, int rows, List<String> outputs)
            throws ServingException {
        SessionFunction function = functions.get(signature.name());
        if (function == null) {
            throw new IllegalStateException("signature " + signature.name() + " of " + this + " is not runnable");
        }
        Batcher batcher = batchers.get(signature.name());
        Map<String, FloatTensor> all =
                batcher != null && rows <= batcher.options().maxBatchSize()
                        ? await(batcher.submit(inputs, rows))
                        : runOn(function, inputs);
        Map<String, FloatTensor> selected = new LinkedHashMap<>();
        for (String key : outputs) {
            selected.put(key, all.get(key));
        }
        return selected;
    }

    /** Runs every runnable, batchable signature once on zeros, so the first request is not the slow one. */
    void warmUp() {
        for (Map.Entry<String, SessionFunction> entry : functions.entrySet()) {
            Map<String, FloatTensor> zeros = new LinkedHashMap<>();
            for (var input : signatures.get(entry.getKey()).inputs().values()) {
                long[] dims = input.dims();
                if (input.unknownRank()
                        || dims.length == 0
                        || java.util.Arrays.stream(dims).skip(1).anyMatch(d -> d < 0)) {
                    zeros = null;
                    break;
                }
                dims[0] = 1;
                zeros.put(input.key(), new FloatTensor(dims, new float[(int) FloatTensor.elementCount(dims)]));
            }
            if (zeros != null) {
                try {
                    runOn(entry.getValue(), zeros);
                } catch (ServingException | RuntimeException e) {
                    throw new IllegalStateException(
                            "warm-up of signature '" + entry.getKey() + "' failed: " + e.getMessage(), e);
                }
            }
        }
    }

    /** A lease, or empty once this version is retired (the caller looks up the newer one). */
    Optional<Lease> tryAcquire() {
        synchronized (leases) {
            if (retired) {
                return Optional.empty();
            }
            inFlight++;
            return Optional.of(new Lease(this));
        }
    }

    void release() {
        synchronized (leases) {
            inFlight--;
            if (inFlight == 0) {
                leases.notifyAll();
            }
        }
    }

    /** Refuses new leases; open ones carry on. */
    void retire() {
        synchronized (leases) {
            retired = true;
        }
    }

    /**
     * Retires this version, waits for every open lease to close, stops the batchers and closes the
     * bundle. Idempotent.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        synchronized (leases) {
            if (closed) {
                return;
            }
            retired = true;
            long started = System.nanoTime();
            while (inFlight > 0) {
                try {
                    leases.wait(TimeUnit.SECONDS.toMillis(10));
                } catch (InterruptedException e) {
                    interrupted = true; // the bundle must not close under a running request
                }
                if (inFlight > 0) {
                    LOG.log(
                            System.Logger.Level.INFO,
                            this + ": waiting for " + inFlight + " requests to finish ("
                                    + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s)");
                }
            }
            closed = true;
        }
        try {
            batchers.values().forEach(Batcher::close);
        } finally {
            bundle.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return modelName + " version " + version;
    }

    private Map<String, FloatTensor> await(Future<Map<String, FloatTensor>> pending) throws ServingException {
        try {
            return pending.get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(false);
            throw new ServingException(
                    ServingStatus.DEADLINE_EXCEEDED,
                    "the request waited more than " + requestTimeout.toMillis() + " ms for its batch on " + this);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServingException(ServingStatus.UNAVAILABLE, "the server is shutting down");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ServingException failure) {
                throw new ServingException(failure.status(), failure.getMessage(), failure);
            }
            throw new ServingException(ServingStatus.INTERNAL, "running " + this + " failed", e.getCause());
        }
    }

    /** One TensorFlow call: every input fed as float32, every output of the signature copied out. */
    private static Map<String, FloatTensor> runOn(SessionFunction function, Map<String, FloatTensor> inputs)
            throws ServingException {
        try (Feeds feeds = new Feeds()) {
            for (Map.Entry<String, FloatTensor> input : inputs.entrySet()) {
                FloatTensor value = input.getValue();
                feeds.put(
                        input.getKey(),
                        TFloat32.tensorOf(Shape.of(value.shape()), DataBuffers.of(value.values(), true, false)));
            }
            try (Result result = function.call(feeds.tensors())) {
                Map<String, FloatTensor> outputs = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> output : result) {
                    if (!(output.getValue() instanceof TFloat32 floats)) {
                        throw new ServingException(
                                ServingStatus.INTERNAL,
                                "output '" + output.getKey() + "' is "
                                        + output.getValue().dataType() + ", not DT_FLOAT");
                    }
                    long[] shape = floats.shape().asArray();
                    float[] values = new float[(int) FloatTensor.elementCount(shape)];
                    floats.copyTo(DataBuffers.of(values, false, false));
                    outputs.put(output.getKey(), new FloatTensor(shape, values));
                }
                return outputs;
            }
        } catch (org.tensorflow.exceptions.TFInvalidArgumentException e) {
            // TensorFlow's own message names the op and the shapes; it carries no paths or secrets.
            throw ServingException.invalid("TensorFlow refused the input: " + Messages.firstLine(e.getMessage()));
        } catch (org.tensorflow.exceptions.TensorFlowException e) {
            throw new ServingException(ServingStatus.INTERNAL, "TensorFlow failed to run the model", e);
        }
    }

    /** The input tensors of one call; closes them all. */
    private static final class Feeds implements AutoCloseable {
        private final Map<String, Tensor> tensors = new LinkedHashMap<>();

        void put(String key, Tensor tensor) {
            tensors.put(key, tensor);
        }

        Map<String, Tensor> tensors() {
            return tensors;
        }

        @Override
        public void close() {
            tensors.values().forEach(Tensor::close);
        }
    }
}
