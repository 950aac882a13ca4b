package io.distillery.core.train;

import io.distillery.core.data.Columns;
import io.distillery.core.data.Shard;
import io.distillery.core.data.TensorFeeder;
import io.distillery.core.model.ModelGraph;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A model, its loss and its optimizer built into one TensorFlow graph and session: one object that
 * trains on Arrow batches, evaluates, and hands out its state. Owns its {@link Graph} and
 * {@link Session}; close it (try-with-resources).
 *
 * <p>A step computes gradients, passes them (fused into one flat vector) through the
 * {@link GradientReducer} — the identity on one worker, an all-reduce across workers — applies them,
 * then re-applies weight masks if any variable is masked (pruning).
 */
public final class Trainer implements AutoCloseable {

    /**
     * How to build a trainer.
     *
     * @param seed dropout's seed, fed with the step as {@link ModelGraph#DROPOUT_SEED}; data-parallel
     *     ranks use different ones, or every rank would drop the same units
     * @param maskedVariables variables multiplied by a 0/1 mask after every step (pruning)
     * @param sessionFactory opens the session on the built graph (a local one, or one targeted at a TF
     *     server for data-parallel training)
     * @param recipe learning-rate schedule, weight decay, label smoothing, augmentation ({@link
     *     Recipe#PLAIN} for none)
     */
    public record Options(
            ModelSpec model,
            Loss loss,
            OptimizerSpec optimizer,
            GradientReducer reducer,
            long seed,
            Set<String> maskedVariables,
            Function<Graph, Session> sessionFactory,
            Recipe recipe) {
        public Options {
            reducer = reducer == null ? GradientReducer.LOCAL : reducer;
            maskedVariables = maskedVariables == null ? Set.of() : Set.copyOf(maskedVariables);
            sessionFactory = sessionFactory == null ? Session::new : sessionFactory;
            recipe = recipe == null ? Recipe.PLAIN : recipe;
            if (!recipe.augmentation().isNone() && model.inputShape().length != 3) {
                throw new IllegalArgumentException("augmentation needs images ([height, width, channels] input), found"
                        + " input shape " + Arrays.toString(model.inputShape()));
            }
        }

        public static Options local(ModelSpec model, Loss loss, OptimizerSpec optimizer, long seed) {
            return new Options(model, loss, optimizer, GradientReducer.LOCAL, seed, Set.of(), null, null);
        }

        public Options withMasks(Set<String> masked) {
            return new Options(model, loss, optimizer, reducer, seed, masked, sessionFactory, recipe);
        }

        public Options withReducer(GradientReducer r, Function<Graph, Session> factory) {
            return new Options(model, loss, optimizer, r, seed, maskedVariables, factory, recipe);
        }
    }

    private final Options options;
    private final Graph graph;
    private final Session session;
    private final ModelGraph model;
    private final Placeholder<TInt32> labels;
    /** Mixup's partner row and weight per row, fed each training step; null without mixup. */
    private final Placeholder<TInt32> mixPartner;

    private final Placeholder<TFloat32> mixWeight;
    private final Map<String, Placeholder<TFloat32>> columns = new LinkedHashMap<>();
    private final Operand<TFloat32> loss;
    private final Operand<TFloat32> evalLoss;
    private final Operand<TFloat32> correct;
    private final Op trainTarget;
    private final Placeholder<TFloat32> beta1Power;
    private final Placeholder<TFloat32> beta2Power;
    private final Operand<TFloat32> learningRate;
    /** The step, for batch norm's moving averages (their momentum starts low). */
    private final Placeholder<TInt64> statisticsStep;

    private long stepsPerEpoch;
    private long totalSteps;
    private final SlotVariables slots;
    private final SlotVariables masks;
    private long step;
    /** Scores each augmented training batch for the distillation targets, or null (the stored logits). */
    private TeacherScorer teacherOnAugmentedRows;

    private boolean closed;

    public Trainer(Options options) {
        this.options = options;
        this.graph = new Graph();
        try {
            ModelSpec spec = options.model();
            this.model = ModelGraph.build(graph, spec, ModelGraph.Mode.TRAIN, options.seed());
            Ops tf = model.ops();
            this.labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            Operand<TFloat32> oneHot =
                    tf.oneHot(labels, tf.constant(spec.numClasses()), tf.constant(1f), tf.constant(0f));
            // Label smoothing moves ε of each target to the other classes: (1 − ε) · one-hot + ε / K.
            double eps = options.recipe().labelSmoothing();
            Operand<TFloat32> targets = eps == 0
                    ? oneHot
                    : tf.oneHot(
                            labels,
                            tf.constant(spec.numClasses()),
                            tf.constant((float) (1 - eps + eps / spec.numClasses())),
                            tf.constant((float) (eps / spec.numClasses())));
            // Unlabeled rows (label -1) carry no hard target: the cross-entropy skips them (mask 0).
            Operand<TFloat32> labelled = tf.dtypes.cast(tf.math.greaterEqual(labels, tf.constant(0)), TFloat32.class);
            if (options.recipe().augmentation().mixes()) {
                // Mixup: row i's target is w_i · its own + (1 − w_i) · its partner's; it has a hard target
                // only if both rows had one.
                this.mixPartner = tf.withName("mix_partner").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
                this.mixWeight = tf.withName("mix_weight").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
                Operand<TFloat32> w = tf.expandDims(mixWeight, tf.constant(1));
                Operand<TFloat32> partnerTargets = tf.gather(targets, mixPartner, tf.constant(0));
                targets = tf.math.add(
                        tf.math.mul(w, targets), tf.math.mul(tf.math.sub(tf.constant(1f), w), partnerTargets));
                labelled = tf.math.mul(labelled, tf.gather(labelled, mixPartner, tf.constant(0)));
            } else {
                this.mixPartner = null;
                this.mixWeight = null;
            }
            LossInputs inputs = new LossInputs(
                    model.logits(),
                    targets,
                    labelled,
                    (name, width) -> columns.computeIfAbsent(
                            name,
                            n -> tf.withName(n).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, width)))));
            this.loss = options.loss().build(tf.withSubScope("loss"), inputs);
            this.evalLoss = Loss.crossEntropy(tf.withSubScope("eval_loss"), model.logits(), oneHot, labelled);
            this.correct = tf.reduceSum(
                    tf.dtypes.cast(
                            tf.math.equal(tf.math.argMax(model.logits(), tf.constant(1), TInt32.class), labels),
                            TFloat32.class),
                    tf.constant(0));

            List<String> names = new ArrayList<>(model.trainableVariables().keySet());
            List<Variable<TFloat32>> vars =
                    new ArrayList<>(model.trainableVariables().values());
            List<Operand<TFloat32>> grads = reduce(tf, vars, tf.gradients(loss, vars));

            // Apply nothing until every gradient exists: an update of dense_2/kernel must not race with
            // the backward pass that still reads it for dense_1's gradient (variables are updated in place).
            List<Op> gradOps = new ArrayList<>();
            for (Operand<TFloat32> g : grads) {
                gradOps.add(tf.identity(g));
            }
            Ops opt = tf.withSubScope("optimizer");
            Ops apply = opt.withControlDependencies(gradOps);
            OptimizerSpec o = options.optimizer();
            this.slots = new SlotVariables(opt);
            List<Op> applies = new ArrayList<>();
            this.learningRate = opt.withName("learning_rate")
                    .placeholderWithDefault(opt.constant((float) o.learningRate()), Shape.scalar());
            Operand<TFloat32> lr = learningRate;
            if (o.kind() == OptimizerSpec.Kind.ADAM) {
                this.beta1Power =
                        opt.withName("beta1_power").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
                this.beta2Power =
                        opt.withName("beta2_power").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
                for (int i = 0; i < vars.size(); i++) {
                    Variable<TFloat32> m =
                            slots.create(names.get(i) + "/adam_m", vars.get(i).shape(), 0f);
                    Variable<TFloat32> v =
                            slots.create(names.get(i) + "/adam_v", vars.get(i).shape(), 0f);
                    applies.add(apply.train.applyAdam(
                            vars.get(i),
                            m,
                            v,
                            beta1Power,
                            beta2Power,
                            lr,
                            opt.constant((float) OptimizerSpec.BETA1),
                            opt.constant((float) OptimizerSpec.BETA2),
                            opt.constant((float) OptimizerSpec.EPSILON),
                            grads.get(i)));
                }
            } else {
                this.beta1Power = null;
                this.beta2Power = null;
                for (int i = 0; i < vars.size(); i++) {
                    if (o.momentum() > 0) {
                        Variable<TFloat32> accum = slots.create(
                                names.get(i) + "/momentum", vars.get(i).shape(), 0f);
                        applies.add(apply.train.applyMomentum(
                                vars.get(i), accum, lr, grads.get(i), opt.constant((float) o.momentum())));
                    } else {
                        applies.add(apply.train.applyGradientDescent(vars.get(i), lr, grads.get(i)));
                    }
                }
            }
            Op applied = tf.withControlDependencies(decayed(apply, applies, lr))
                    .withName("apply_gradients")
                    .noOp();

            Ops maskOps = tf.withSubScope("masks");
            this.masks = new SlotVariables(maskOps);
            List<Op> reMasks = new ArrayList<>();
            for (String name : options.maskedVariables()) {
                Variable<TFloat32> var = model.variables().get(name);
                if (var == null) {
                    throw new IllegalArgumentException("cannot mask " + name + ": no such variable; have " + names);
                }
                Variable<TFloat32> mask = masks.create(name, var.shape(), 1f);
                // Both the read of var and the write wait for the optimizer: var·mask must see the update.
                Ops afterApply = maskOps.withControlDependencies(List.of(applied));
                reMasks.add(afterApply.assign(var, afterApply.math.mul(var, mask)));
            }
            List<Op> done = new ArrayList<>(reMasks);
            done.add(applied);
            this.statisticsStep =
                    tf.withName("statistics_step").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
            done.addAll(updateStatistics(tf.withSubScope("statistics").withControlDependencies(gradOps)));
            this.trainTarget =
                    tf.withControlDependencies(done).withName("train").noOp();
            this.session = options.sessionFactory().apply(graph);
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /**
     * Decoupled weight decay (Loshchilov & Hutter's AdamW): once the optimizer has updated them, kernels
     * lose {@code lr × weight_decay} of themselves. Biases and batch norm are left alone.
     */
    private List<Op> decayed(Ops apply, List<Op> applies, Operand<TFloat32> lr) {
        double decay = options.recipe().weightDecay();
        if (decay == 0) {
            return applies;
        }
        Ops after = apply.withControlDependencies(applies);
        Operand<TFloat32> factor =
                after.math.sub(after.constant(1f), after.math.mul(lr, after.constant((float) decay)));
        List<Op> out = new ArrayList<>();
        model.trainableVariables().forEach((name, v) -> {
            if (name.endsWith("/kernel")) {
                out.add(after.assign(v, after.math.mul(v, factor)));
            }
        });
        out.addAll(applies);
        return out;
    }

    /**
     * Batch norm's moving averages, updated once the backward pass is done. Data-parallel workers average
     * the batch statistics first (one all-reduce for all of them), so their moving averages stay equal.
     */
    private List<Op> updateStatistics(Ops tf) {
        List<ModelGraph.Statistic> stats = model.statistics();
        if (stats.isEmpty()) {
            return List.of();
        }
        List<Operand<TFloat32>> batch = new ArrayList<>();
        stats.forEach(s -> batch.add(s.batch()));
        if (!options.reducer().isLocal()) {
            int[] sizes = stats.stream()
                    .mapToInt(s -> (int) s.moving().shape().size())
                    .toArray();
            Operand<TFloat32> reduced = options.reducer().reduce(tf, tf.concat(batch, tf.constant(0)));
            var parts = tf.splitV(reduced, tf.constant(sizes), tf.constant(0), (long) sizes.length);
            batch.clear();
            for (int i = 0; i < sizes.length; i++) {
                @SuppressWarnings("unchecked")
                Operand<TFloat32> part =
                        (Operand<TFloat32>) (Operand<?>) parts.output().get(i);
                batch.add(part);
            }
        }
        // As TensorFlow's ExponentialMovingAverage with num_updates: momentum min(m, (1 + t) / (10 + t))
        // at step t, so that the averages leave their initial values within the first steps (with 0.99
        // from the start, a short run infers on statistics that are mostly the initial 0 and 1).
        Operand<TFloat32> t = tf.dtypes.cast(statisticsStep, TFloat32.class);
        Operand<TFloat32> early = tf.math.div(tf.math.add(tf.constant(1f), t), tf.math.add(tf.constant(10f), t));
        List<Op> updates = new ArrayList<>();
        for (int i = 0; i < stats.size(); i++) {
            ModelGraph.Statistic s = stats.get(i);
            Operand<TFloat32> m = tf.math.minimum(tf.constant((float) s.momentum()), early);
            updates.add(tf.assign(
                    s.moving(),
                    tf.math.add(
                            tf.math.mul(s.moving(), m), tf.math.mul(batch.get(i), tf.math.sub(tf.constant(1f), m)))));
        }
        return updates;
    }

    private List<Operand<TFloat32>> reduce(Ops tf, List<Variable<TFloat32>> vars, Gradients gradients) {
        List<Operand<TFloat32>> grads = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            @SuppressWarnings("unchecked")
            Operand<TFloat32> g = (Operand<TFloat32>) (Operand<?>) gradients.dy(i);
            grads.add(g);
        }
        if (options.reducer().isLocal()) {
            return grads;
        }
        // Fuse every gradient into one flat vector: one all-reduce per step instead of one per variable.
        Ops fuse = tf.withSubScope("fused_gradients");
        List<Operand<TFloat32>> flat = new ArrayList<>();
        int[] sizes = new int[vars.size()];
        for (int i = 0; i < vars.size(); i++) {
            sizes[i] = (int) vars.get(i).shape().size();
            flat.add(fuse.reshape(grads.get(i), fuse.constant(new int[] {-1})));
        }
        Operand<TFloat32> reduced = options.reducer().reduce(fuse, fuse.concat(flat, fuse.constant(0)));
        var parts = fuse.splitV(reduced, fuse.constant(sizes), fuse.constant(0), (long) sizes.length);
        List<Operand<TFloat32>> out = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            long[] shape = vars.get(i).shape().asArray();
            int[] dims = new int[shape.length];
            for (int d = 0; d < shape.length; d++) {
                dims[d] = (int) shape[d];
            }
            @SuppressWarnings("unchecked")
            Operand<TFloat32> part =
                    (Operand<TFloat32>) (Operand<?>) parts.output().get(i);
            out.add(fuse.reshape(part, fuse.constant(dims)));
        }
        return out;
    }

    public ModelSpec spec() {
        return options.model();
    }

    /** Steps taken so far (restored with the state). */
    public long step() {
        return step;
    }

    /** Sets the model's weights; optimizer slots keep their values. */
    public void load(Weights weights) {
        checkOpen("load");
        model.load(session, weights);
    }

    /** The model's current weights (masks already applied). */
    public Weights weights() {
        checkOpen("weights");
        return model.read(session);
    }

    public TrainerState state() {
        checkOpen("state");
        return new TrainerState(step, model.read(session), slots.read(session));
    }

    public void restore(TrainerState state) {
        checkOpen("restore");
        model.load(session, state.model());
        slots.load(session, state.optimizer());
        step = state.step();
    }

    /** Sets the pruning masks (0/1 per weight) of masked variables. */
    public void setMasks(Map<String, float[]> values) {
        checkOpen("setMasks");
        List<NamedArray> arrays = new ArrayList<>();
        values.forEach((name, v) -> arrays.add(new NamedArray(name, masks.shape(name), v)));
        masks.load(session, new Weights(arrays));
    }

    /**
     * The length of the stage, which the learning-rate schedule follows ({@link TrainingLoop#run} sets
     * it); until set, the rate is the optimizer's.
     */
    public void plan(long stepsPerEpoch, long totalSteps) {
        this.stepsPerEpoch = stepsPerEpoch;
        this.totalSteps = totalSteps;
    }

    /** One optimizer step on an Arrow batch (columns {@code features}, {@code label}, extras). */
    public StepResult step(VectorSchemaRoot batch) {
        checkOpen("step");
        List<Tensor> feeds = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            feedBatch(runner, batch, feeds, true);
            TFloat32 rate = TFloat32.scalarOf((float)
                    options.recipe().learningRate(options.optimizer().learningRate(), step, stepsPerEpoch, totalSteps));
            feeds.add(rate);
            runner.feed(learningRate, rate);
            TFloat32 trainingFlag = TFloat32.scalarOf(1f);
            feeds.add(trainingFlag);
            runner.feed(model.training(), trainingFlag);
            TInt64 dropoutSeed = TInt64.vectorOf(options.seed(), step);
            feeds.add(dropoutSeed);
            runner.feed(model.dropoutSeed(), dropoutSeed);
            if (!model.statistics().isEmpty()) {
                TInt64 t = TInt64.scalarOf(step);
                feeds.add(t);
                runner.feed(statisticsStep, t);
            }
            if (beta1Power != null) {
                long t = step + 1;
                TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(OptimizerSpec.BETA1, t));
                feeds.add(b1);
                TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(OptimizerSpec.BETA2, t));
                feeds.add(b2);
                runner.feed(beta1Power, b1).feed(beta2Power, b2);
            }
            runner.fetch(loss).fetch(correct).addTarget(trainTarget);
            try (var result = runner.run()) {
                step++;
                float l = ((TFloat32) result.get(0)).getFloat();
                float c = ((TFloat32) result.get(1)).getFloat();
                if (!Float.isFinite(l)) {
                    throw new TrainingDivergedException(
                            "loss is " + l + " at step " + step + "; lower the learning rate or check the data");
                }
                return new StepResult(l, Math.round(c), batch.getRowCount(), TensorFeeder.labelled(batch));
            }
        } finally {
            feeds.forEach(Tensor::close);
        }
    }

    /** Cross-entropy and accuracy on a whole shard, in batches, dropout off. */
    public Evaluation evaluate(Shard shard, int batchSize) {
        checkOpen("evaluate");
        double lossSum = 0;
        long correctSum = 0;
        int rows = shard.rows();
        for (int start = 0; start < rows; start += batchSize) {
            int n = Math.min(batchSize, rows - start);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = start + i;
            }
            List<Tensor> feeds = new ArrayList<>();
            try (VectorSchemaRoot batch = shard.gather(idx)) {
                Session.Runner runner = session.runner();
                feedBatch(runner, batch, feeds, false);
                try (var result = runner.fetch(evalLoss).fetch(correct).run()) {
                    lossSum += ((TFloat32) result.get(0)).getFloat() * (double) n;
                    correctSum += Math.round(((TFloat32) result.get(1)).getFloat());
                }
            } finally {
                feeds.forEach(Tensor::close);
            }
        }
        return new Evaluation(rows == 0 ? 0 : lossSum / rows, rows == 0 ? 0 : (double) correctSum / rows, rows);
    }

    /**
     * Consistent teaching: from now on, each training step's {@link Columns#TEACHER_LOGITS} are {@code
     * teacher}'s logits for the step's augmented rows instead of the column's stored ones. Without
     * augmentation the stored logits are the same rows' and are used as they are.
     */
    public void scoreTeacherOnAugmentedRows(TeacherScorer teacher) {
        if (!columns.containsKey(Columns.TEACHER_LOGITS)) {
            throw new IllegalStateException(
                    "consistent teaching needs a loss that reads " + Columns.TEACHER_LOGITS + "; this one does not");
        }
        this.teacherOnAugmentedRows = teacher;
    }

    /** @param all a training step's batch: every column, augmented (an evaluation's: features and labels) */
    private void feedBatch(Session.Runner runner, VectorSchemaRoot batch, List<Tensor> feeds, boolean all) {
        Augmentation augmentation = options.recipe().augmentation();
        boolean augment = all && !augmentation.isNone();
        int width = options.model().inputSize();
        if (augment
                && augmentation.mixes()
                && columns.containsKey(Columns.TEACHER_LOGITS)
                && teacherOnAugmentedRows == null) {
            throw new IllegalStateException("mixup mixes the rows, and the stored " + Columns.TEACHER_LOGITS
                    + " are the unmixed rows': the teacher must score each mixed batch (consistent teaching)");
        }
        float[][] augmented = new float[1][];
        Augmentation.Mix[] mix = new Augmentation.Mix[1];
        TFloat32 x = TensorFeeder.floats(
                batch,
                Columns.FEATURES,
                augment
                        ? (values, rows) -> {
                            mix[0] = augmentation.apply(
                                    values, rows, options.model().inputShape(), options.seed(), step);
                            if (teacherOnAugmentedRows != null) {
                                augmented[0] = Arrays.copyOf(values, rows * width);
                            }
                        }
                        : null);
        feeds.add(x);
        TInt32 y = TensorFeeder.labels(batch);
        feeds.add(y);
        runner.feed(model.input(), x).feed(labels, y);
        if (mix[0] != null) {
            TInt32 partner = TInt32.vectorOf(mix[0].partner());
            feeds.add(partner);
            TFloat32 weight = TFloat32.vectorOf(mix[0].weight());
            feeds.add(weight);
            runner.feed(mixPartner, partner).feed(mixWeight, weight);
        }
        if (all) {
            for (Map.Entry<String, Placeholder<TFloat32>> col : columns.entrySet()) {
                TFloat32 t = augmented[0] != null && col.getKey().equals(Columns.TEACHER_LOGITS)
                        ? teacherLogits(augmented[0], batch.getRowCount())
                        : TensorFeeder.floats(batch, col.getKey());
                feeds.add(t);
                runner.feed(col.getValue(), t);
            }
        }
    }

    private TFloat32 teacherLogits(float[] augmented, int rows) {
        float[] logits = teacherOnAugmentedRows.logits(augmented, rows);
        int classes = options.model().numClasses();
        if (logits.length != rows * classes) {
            throw new IllegalStateException(
                    "the teacher gave " + logits.length + " logits for " + rows + " rows of " + classes + " classes");
        }
        return TFloat32.tensorOf(Shape.of(rows, classes), DataBuffers.of(logits, true, false));
    }

    private void checkOpen(String method) {
        if (closed) {
            throw new IllegalStateException("Trainer is closed; cannot call " + method + "()");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            session.close();
            graph.close();
        }
    }

    /** Variables outside the model (optimizer slots, masks): created with a constant initial value. */
    private static final class SlotVariables {
        private final Ops tf;
        private final LinkedHashMap<String, Variable<TFloat32>> vars = new LinkedHashMap<>();
        private final LinkedHashMap<String, Placeholder<TFloat32>> inputs = new LinkedHashMap<>();
        private final LinkedHashMap<String, Op> assigns = new LinkedHashMap<>();

        SlotVariables(Ops tf) {
            this.tf = tf;
        }

        Variable<TFloat32> create(String name, Shape shape, float initial) {
            Ops scope = tf;
            for (String part : name.split("/")) {
                scope = scope.withSubScope(part);
            }
            Variable<TFloat32> v = scope.withName("var")
                    .variable(scope.fill(scope.constant(toInts(shape.asArray())), scope.constant(initial)));
            Placeholder<TFloat32> in = scope.withName("value").placeholder(TFloat32.class, Placeholder.shape(shape));
            vars.put(name, v);
            inputs.put(name, in);
            assigns.put(name, scope.withName("assign").assign(v, in));
            return v;
        }

        long[] shape(String name) {
            Variable<TFloat32> v = vars.get(name);
            if (v == null) {
                throw new IllegalArgumentException("no masked variable " + name + "; have " + vars.keySet());
            }
            return v.shape().asArray();
        }

        void load(Session session, Weights values) {
            if (vars.isEmpty()) {
                return;
            }
            List<TFloat32> tensors = new ArrayList<>();
            try {
                Session.Runner runner = session.runner();
                for (NamedArray a : values.asMap().values()) {
                    if (!vars.containsKey(a.name())) {
                        throw new IllegalArgumentException("unknown slot " + a.name() + "; have " + vars.keySet());
                    }
                    TFloat32 t = TFloat32.tensorOf(Shape.of(a.shape()), DataBuffers.of(a.values(), true, false));
                    tensors.add(t);
                    runner.feed(inputs.get(a.name()), t).addTarget(assigns.get(a.name()));
                }
                if (!runner.isEmpty()) {
                    runner.run();
                }
            } finally {
                tensors.forEach(TFloat32::close);
            }
        }

        Weights read(Session session) {
            if (vars.isEmpty()) {
                return new Weights(List.of());
            }
            Session.Runner runner = session.runner();
            List<String> names = new ArrayList<>(vars.keySet());
            names.forEach(n -> runner.fetch(vars.get(n)));
            try (var result = runner.run()) {
                List<NamedArray> out = new ArrayList<>();
                for (int i = 0; i < names.size(); i++) {
                    TFloat32 t = (TFloat32) result.get(i);
                    float[] values = new float[(int) t.size()];
                    t.copyTo(DataBuffers.of(values, false, false));
                    out.add(new NamedArray(names.get(i), t.shape().asArray(), values));
                }
                return new Weights(out);
            }
        }

        private static int[] toInts(long[] dims) {
            int[] out = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                out[i] = (int) dims[i];
            }
            return out;
        }
    }
}
