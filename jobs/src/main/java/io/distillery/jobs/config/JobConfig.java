package io.distillery.jobs.config;

import io.distillery.core.model.ModelSpec;
import io.distillery.core.train.Augmentation;
import io.distillery.core.train.OptimizerSpec;
import io.distillery.core.train.Recipe;
import io.distillery.core.train.TrainingLoop;
import io.distillery.distill.DistillationLoss;
import io.distillery.distill.SavedModelTeacher;
import io.distillery.export.ExportFormat;
import io.distillery.prune.MaskPolicy;
import io.distillery.prune.PruningKind;
import io.distillery.prune.PruningPlan;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A whole job's configuration, as read from YAML ({@link ConfigLoader}). Every record validates its
 * own fields on construction and names the key in its message, so a bad config fails before Spark
 * starts.
 */
public record JobConfig(
        String name,
        long seed,
        String runDir,
        Data data,
        Spark spark,
        Training teacher,
        Training student,
        Distill distill,
        Prune prune,
        Export export,
        Publish publish,
        Search search)
        implements java.io.Serializable {

    public JobConfig {
        require(
                name != null && name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*"),
                "name must be letters, digits, '.', '_' or '-', found '" + name + "'");
        require(runDir != null && !runDir.isBlank(), "run_dir must be set");
        require(data != null, "data section missing");
        require(spark != null, "spark section missing");
        require(teacher != null, "teacher section missing");
        require(student != null, "student section missing");
        require(distill != null, "distill section missing");
        require(prune != null, "prune section missing");
        require(export != null, "export section missing");
        require(publish != null, "publish section missing");
        require(search != null, "search section missing");
        // Build both model specs now: an impossible architecture is a config error, not a task failure.
        teacher.modelSpec(data, "teacher");
        ModelSpec studentSpec = student.modelSpec(data, "student");
        try {
            MaskPolicy.of(prune.parsedKind(), studentSpec); // structured pruning needs a layer to shrink
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        new DistillationLoss(distill.alpha(), distill.temperature(), data.numClasses());
        // And every optimizer: a typo in prune.optimizer used to surface after three training stages.
        teacher.optimizerSpec("teacher");
        student.optimizerSpec("student");
        teacher.recipe(data, "teacher");
        require(
                !student.recipe(data, "student").augmentation().mixes() || distill.consistentTeaching(),
                "student.augment: mixup needs distill.consistent_teaching: true (the distilled student learns from"
                        + " the teacher's logits of the mixed images, which only a teacher scoring each batch gives)");
        prune.training(student.layers()).optimizerSpec("prune");
        require(student.savedModel() == null, "student.saved_model: only the teacher can be brought as a SavedModel");
    }

    /** Whether the teacher is brought as SavedModels instead of trained here. */
    public boolean teacherBrought() {
        return teacher.savedModel() != null && teacher.savedModel().given();
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new ConfigException(message);
        }
    }

    /** Where training and test data come from and what they look like. */
    public record Data(
            String train,
            String test,
            String format,
            List<Integer> inputShape,
            int numClasses,
            int limit,
            int testLimit,
            double validationFraction,
            String unlabeled)
            implements java.io.Serializable {
        /** {@code data.unlabeled} for the training rows beyond {@code data.limit}, their labels dropped. */
        public static final String REST = "rest";

        public Data {
            require(train != null && !train.isBlank(), "data.train must be set");
            require(test != null && !test.isBlank(), "data.test must be set");
            format = format == null ? "auto" : format;
            require(
                    Set.of("auto", "idx", "parquet", "csv", "arrow").contains(format),
                    "data.format must be auto, idx, parquet, csv or arrow, found '" + format + "'");
            require(inputShape != null && !inputShape.isEmpty(), "data.input_shape must be set");
            for (Integer d : inputShape) {
                require(d != null && d > 0, "data.input_shape entries must be > 0, found " + inputShape);
            }
            require(numClasses >= 2, "data.num_classes must be >= 2, found " + numClasses);
            require(limit >= 0, "data.limit must be >= 0, found " + limit);
            require(testLimit >= 0, "data.test_limit must be >= 0, found " + testLimit);
            require(
                    validationFraction >= 0 && validationFraction <= 0.5,
                    "data.validation_fraction must be in [0, 0.5], found " + validationFraction);
            inputShape = List.copyOf(inputShape);
            unlabeled = unlabeled == null ? "" : unlabeled.trim();
            require(
                    !unlabeled.equals(REST) || limit > 0,
                    "data.unlabeled: rest means the training rows beyond data.limit; set data.limit too");
        }

        /** Whether rows without labels join the distillation ({@code data.unlabeled}). */
        public boolean hasUnlabeled() {
            return !unlabeled.isEmpty();
        }

        public int[] shape() {
            return inputShape.stream().mapToInt(Integer::intValue).toArray();
        }

        public int width() {
            return inputShape.stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
        }
    }

    /**
     * Spark settings; {@code master} is ignored when spark-submit already set one.
     *
     * @param workers data-parallel training tasks (a barrier stage when more than one)
     * @param maxAttempts how many times a training stage runs before the job fails (a lost worker
     *     fails the whole barrier stage; the next attempt resumes from the last checkpoint)
     * @param checkpointEverySteps rank 0 checkpoints every so many steps (0: at epoch ends); a retry
     *     redoes at most this many steps
     * @param operationTimeoutMs TensorFlow's {@code operation_timeout_in_ms} for data-parallel
     *     sessions: how long a step may wait for its peers before failing
     */
    public record Spark(
            String master,
            int workers,
            int maxAttempts,
            int checkpointEverySteps,
            long operationTimeoutMs,
            Map<String, String> conf)
            implements java.io.Serializable {
        public Spark {
            master = master == null ? "local[*]" : master;
            require(workers >= 1, "spark.workers must be >= 1, found " + workers);
            require(maxAttempts >= 1, "spark.max_attempts must be >= 1, found " + maxAttempts);
            require(
                    checkpointEverySteps >= 0,
                    "spark.checkpoint_every_steps must be >= 0 (0: at epoch ends), found " + checkpointEverySteps);
            require(
                    operationTimeoutMs > 0,
                    "spark.operation_timeout_ms must be > 0 (a lost worker would block the others forever), found "
                            + operationTimeoutMs);
            conf = conf == null ? Map.of() : Map.copyOf(conf);
        }
    }

    /** One model's architecture and its training schedule. */
    public record Training(
            List<String> layers,
            int epochs,
            int batchSize,
            String optimizer,
            double learningRate,
            double momentum,
            String lrSchedule,
            int warmupEpochs,
            double weightDecay,
            double labelSmoothing,
            List<String> augment,

            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            BroughtTeacher savedModel)
            implements java.io.Serializable {
        public Training {
            require(layers != null && !layers.isEmpty(), "layers must list at least one layer");
            require(epochs >= 0, "epochs must be >= 0, found " + epochs);
            require(batchSize >= 1, "batch_size must be >= 1, found " + batchSize);
            layers = List.copyOf(layers);
            lrSchedule = lrSchedule == null ? "constant" : lrSchedule;
            augment = augment == null ? List.of() : List.copyOf(augment);
        }

        /** A plain loop: constant rate, no decay, smoothing or augmentation (the pruning fine-tune's). */
        public Training(
                List<String> layers,
                int epochs,
                int batchSize,
                String optimizer,
                double learningRate,
                double momentum) {
            this(layers, epochs, batchSize, optimizer, learningRate, momentum, "constant", 0, 0, 0, List.of(), null);
        }

        /** Schedule, weight decay, label smoothing and augmentation, checked against the data's shape. */
        public Recipe recipe(Data data, String section) {
            try {
                Augmentation augmentation = Augmentation.parse(augment);
                if (!augmentation.isNone() && data.inputShape().size() != 3) {
                    throw new IllegalArgumentException("augment needs images (data.input_shape [height, width,"
                            + " channels]), found data.input_shape " + data.inputShape());
                }
                return new Recipe(
                        Recipe.Schedule.parse(lrSchedule), warmupEpochs, weightDecay, labelSmoothing, augmentation);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(section + "." + e.getMessage(), e);
            }
        }

        public ModelSpec modelSpec(Data data, String section) {
            try {
                return ModelSpec.of(data.shape(), data.numClasses(), layers);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(section + ".layers: " + e.getMessage(), e);
            }
        }

        public OptimizerSpec optimizerSpec(String section) {
            try {
                return new OptimizerSpec(optimizer, learningRate, momentum);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(section + "." + e.getMessage(), e);
            }
        }

        public TrainingLoop.Plan plan(long seed) {
            return new TrainingLoop.Plan(epochs, batchSize, 0, seed);
        }
    }

    /**
     * A teacher the user brings instead of training one ({@code teacher.saved_model}): SavedModel
     * directories on any Hadoop FileSystem, several for an ensemble.
     *
     * @param output {@code logits}, {@code probabilities} or {@code auto} (decided on a sample batch)
     * @param inputScale,inputOffset the teacher sees {@code features × input_scale + input_offset}
     */
    public record BroughtTeacher(
            List<String> uris, String signature, String output, double inputScale, double inputOffset)
            implements java.io.Serializable {
        public BroughtTeacher {
            uris = uris == null ? List.of() : List.copyOf(uris);
            for (String u : uris) {
                require(u != null && !u.isBlank(), "teacher.saved_model.uris entries must not be empty");
            }
            require(signature != null && !signature.isBlank(), "teacher.saved_model.signature must be set");
            try {
                SavedModelTeacher.Output.parse(output);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("teacher.saved_model." + e.getMessage(), e);
            }
            require(
                    inputScale != 0 && Double.isFinite(inputScale) && Double.isFinite(inputOffset),
                    "teacher.saved_model.input_scale must be finite and not 0, input_offset finite; found " + inputScale
                            + ", " + inputOffset);
        }

        /** Whether the user brought a teacher (no teacher is trained then). */
        public boolean given() {
            return !uris.isEmpty();
        }

        /** How to read each SavedModel; {@code output} as configured (maybe still {@code AUTO}). */
        public List<SavedModelTeacher.Options> options() {
            return uris.stream()
                    .map(u -> new SavedModelTeacher.Options(
                            u, signature, SavedModelTeacher.Output.parse(output), (float) inputScale, (float)
                                    inputOffset))
                    .toList();
        }
    }

    /**
     * The distillation loss's weights; with {@code consistentTeaching} and augmentation, the teacher
     * scores every augmented batch instead of the stored rows once.
     */
    public record Distill(double alpha, double temperature, boolean consistentTeaching)
            implements java.io.Serializable {
        public Distill {
            require(alpha >= 0 && alpha <= 1, "distill.alpha must be in [0, 1], found " + alpha);
            require(
                    temperature > 0 && !Double.isInfinite(temperature),
                    "distill.temperature must be > 0, found " + temperature);
        }
    }

    /** Pruning schedule and the fine-tuning that goes with it. */
    public record Prune(
            String kind,
            String schedule,
            double initialSparsity,
            double finalSparsity,
            long beginStep,
            long endStep,
            int frequency,
            double power,
            int epochs,
            int batchSize,
            String optimizer,
            double learningRate,
            double momentum,
            double maxAccuracyDrop)
            implements java.io.Serializable {
        public Prune {
            kind = kind == null ? PruningKind.UNSTRUCTURED.key() : kind;
            try {
                PruningKind.parse(kind);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage(), e);
            }
            require(
                    !kind.equals(PruningKind.NM_2_4.key()) || finalSparsity <= 0.5,
                    "prune.final_sparsity must be <= 0.5 with prune.kind 2:4 (2 of every 4 kept), found "
                            + finalSparsity);
            pruningPlan(schedule, initialSparsity, finalSparsity, beginStep, endStep, frequency, power);
            require(epochs >= 1, "prune.epochs must be >= 1, found " + epochs);
            require(batchSize >= 1, "prune.batch_size must be >= 1, found " + batchSize);
            require(
                    maxAccuracyDrop >= 0 && maxAccuracyDrop <= 100,
                    "prune.max_accuracy_drop must be in [0, 100] points, found " + maxAccuracyDrop);
        }

        public PruningKind parsedKind() {
            return PruningKind.parse(kind);
        }

        /** The schedule keys as the prune module's plan (which checks them). */
        public PruningPlan plan() {
            return pruningPlan(schedule, initialSparsity, finalSparsity, beginStep, endStep, frequency, power);
        }

        private static PruningPlan pruningPlan(
                String schedule, double initial, double fin, long begin, long end, int frequency, double power) {
            try {
                return new PruningPlan(PruningPlan.Kind.parse(schedule), initial, fin, begin, end, frequency, power);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage(), e);
            }
        }

        public Training training(List<String> layers) {
            return new Training(layers, epochs, batchSize, optimizer, learningRate, momentum);
        }
    }

    /** Which formats to write. */
    /**
     * @param latencyCalls timed single-row calls per model and runtime when the export measures latency
     *     (0: not measured); batches of 32 get a tenth as many
     * @param latencyThreads the runtimes' threads while measuring
     */
    public record Export(List<String> formats, int calibrationBatches, int latencyCalls, int latencyThreads)
            implements java.io.Serializable {
        public Export {
            require(
                    latencyCalls >= 0,
                    "export.latency_calls must be >= 0 (0: no latency measured), found " + latencyCalls);
            require(latencyThreads >= 1, "export.latency_threads must be >= 1, found " + latencyThreads);
            require(formats != null && !formats.isEmpty(), "export.formats must list at least one format");
            for (String f : formats) {
                try {
                    ExportFormat.parse(f);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("export.formats: " + e.getMessage(), e);
                }
            }
            require(
                    formats.contains(ExportFormat.SAVEDMODEL.key()),
                    "export.formats must include savedmodel (what serving loads)");
            require(calibrationBatches >= 1, "export.calibration_batches must be >= 1, found " + calibrationBatches);
            formats = List.copyOf(formats);
        }

        public java.util.Set<ExportFormat> parsed() {
            return formats.stream()
                    .map(ExportFormat::parse)
                    .collect(java.util.stream.Collectors.toCollection(
                            () -> java.util.EnumSet.noneOf(ExportFormat.class)));
        }
    }

    /**
     * Where versions are published.
     *
     * @param staleAge leftovers of a killed publisher (a {@code _staging-*} directory, or an S3 version
     *     without manifest) older than this are deleted by the next publish: {@code 90s}, {@code 30m},
     *     {@code 1h}, {@code 2d} or ISO-8601 ({@code PT1H}); at least one minute, and longer than the
     *     upload of the largest file, or a live publisher's files could be taken for leftovers
     */
    public record Publish(String basePath, String staleAge, double requireSpeedup, String speedupRuntime)
            implements java.io.Serializable {
        /** Runtimes whose latency the speed-up gate can judge. */
        public static final List<String> SPEEDUP_RUNTIMES = List.of("tflite", "tf-java");

        public Publish {
            require(basePath != null && !basePath.isBlank(), "publish.base_path must be set");
            require(
                    requireSpeedup == 0 || requireSpeedup >= 1,
                    "publish.require_speedup must be 0 (off) or a factor >= 1, found " + requireSpeedup);
            require(
                    SPEEDUP_RUNTIMES.contains(speedupRuntime),
                    "publish.speedup_runtime must be one of " + SPEEDUP_RUNTIMES + ", found '" + speedupRuntime + "'");
            staleAge = staleAge == null ? "1h" : staleAge.trim();
            java.time.Duration age = parseDuration(staleAge, "publish.stale_age");
            require(
                    age.compareTo(java.time.Duration.ofMinutes(1)) >= 0,
                    "publish.stale_age must be at least 1m (a live publisher's files must never look stale), found '"
                            + staleAge + "'");
        }

        public java.time.Duration staleAgeDuration() {
            return parseDuration(staleAge, "publish.stale_age");
        }
    }

    /**
     * {@code distillery search}: the points it tries, how it samples them, and the budgets the chosen
     * model must meet on the validation rows.
     */
    public record Search(
            String sampler,
            int trials,
            long seed,
            List<Double> widths,
            List<Double> temperatures,
            List<Double> alphas,
            List<String> prunes,
            List<Boolean> int8,
            int epochs,
            int pruneEpochs,
            int halvingEta,
            int halvingRungs,
            String objective,
            double maxAccuracyDrop,
            double maxLatencyMs,
            long maxBytes,
            String timeBudget,
            int latencyCalls,
            boolean publishBestEffort)
            implements java.io.Serializable {
        public static final List<String> SAMPLERS = List.of("grid", "random", "halving");

        public Search {
            require(
                    SAMPLERS.contains(sampler),
                    "search.sampler must be one of " + SAMPLERS + ", found '" + sampler + "'");
            require(trials >= 0, "search.trials must be >= 0 (0: the whole grid), found " + trials);
            require(epochs >= 1, "search.epochs must be >= 1, found " + epochs);
            require(pruneEpochs >= 1, "search.prune_epochs must be >= 1, found " + pruneEpochs);
            require(latencyCalls >= 0, "search.latency_calls must be >= 0, found " + latencyCalls);
            timeBudget = timeBudget == null ? "0s" : timeBudget.trim();
            parseDuration(timeBudget, "search.time_budget");
            // The parameters, not the accessors: a compact constructor assigns the fields at its end.
            io.distillery.search.Selection.Objective goal;
            try {
                new io.distillery.search.SearchSpace(widths, temperatures, alphas, prunes, int8);
                new io.distillery.search.Budgets(maxAccuracyDrop, maxLatencyMs, maxBytes);
                new io.distillery.search.SuccessiveHalving(halvingEta, halvingRungs);
                goal = io.distillery.search.Selection.Objective.parse(objective);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage(), e);
            }
            require(
                    goal != io.distillery.search.Selection.Objective.LATENCY || latencyCalls > 0,
                    "search.objective latency needs search.latency_calls > 0");
            require(maxLatencyMs == 0 || latencyCalls > 0, "search.max_latency_ms needs search.latency_calls > 0");
        }

        public io.distillery.search.SearchSpace space() {
            return new io.distillery.search.SearchSpace(widths, temperatures, alphas, prunes, int8);
        }

        public io.distillery.search.Budgets budgets() {
            return new io.distillery.search.Budgets(maxAccuracyDrop, maxLatencyMs, maxBytes);
        }

        public io.distillery.search.SuccessiveHalving halving() {
            return new io.distillery.search.SuccessiveHalving(halvingEta, halvingRungs);
        }

        public io.distillery.search.Selection.Objective parsedObjective() {
            return io.distillery.search.Selection.Objective.parse(objective);
        }

        public java.time.Duration timeBudgetDuration() {
            return parseDuration(timeBudget, "search.time_budget");
        }
    }

    /** {@code 500ms}, {@code 90s}, {@code 30m}, {@code 1h}, {@code 2d} or ISO-8601 ({@code PT1H30M}). */
    static java.time.Duration parseDuration(String text, String key) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)").matcher(text == null ? "" : text.trim());
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> java.time.Duration.ofMillis(n);
                    case "s" -> java.time.Duration.ofSeconds(n);
                    case "m" -> java.time.Duration.ofMinutes(n);
                    case "h" -> java.time.Duration.ofHours(n);
                    default -> java.time.Duration.ofDays(n);
                };
            }
            return java.time.Duration.parse(text.trim());
        } catch (ArithmeticException | NumberFormatException | java.time.format.DateTimeParseException e) {
            throw new ConfigException(
                    key + " must be a duration such as 90s, 30m, 1h, 2d or PT1H, found '" + text + "'", e);
        }
    }
}
