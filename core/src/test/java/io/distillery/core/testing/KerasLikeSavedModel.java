package io.distillery.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * A linear classifier written as a SavedModel the way Keras lays one out, not the way Distillery does:
 * an NHWC input key such as {@code conv2d_input} with a {@code -1} batch dimension, an output key such
 * as {@code dense_1}, a softmax at the end, Keras-style op names, and the variables in a TF2
 * object-based checkpoint ({@value #KERNEL_KEY}, restored by the graph's own restore op, which the
 * loader runs). Its logits are {@code x · kernel + bias} (x flattened), so a test knows what every row
 * must score.
 */
public final class KerasLikeSavedModel {
    /** Checkpoint keys as TF2's object-based saver writes a Dense layer's variables. */
    public static final String KERNEL_KEY = "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE";

    public static final String BIAS_KEY = "layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE";

    private KerasLikeSavedModel() {}

    /**
     * @param inputShape the declared input shape, batch dimension first ({@code -1})
     * @param kernel {@code [width][classes]}
     * @param softmax whether the output is probabilities (Keras's default) or logits
     * @param intInput declare an int32 input instead (a signature that does not fit float data)
     */
    public static void write(
            Path dir,
            String signatureKey,
            String inputKey,
            long[] inputShape,
            String outputKey,
            float[][] kernel,
            boolean softmax,
            boolean intInput)
            throws IOException {
        write(
                dir,
                signatureKey,
                inputKey,
                inputShape,
                outputKey,
                kernel,
                new float[kernel[0].length],
                softmax,
                intInput);
    }

    /** The same with a bias: logits {@code x · kernel + bias}. */
    public static void write(
            Path dir,
            String signatureKey,
            String inputKey,
            long[] inputShape,
            String outputKey,
            float[][] kernel,
            float[] bias,
            boolean softmax,
            boolean intInput)
            throws IOException {
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            int width = kernel.length;
            Operand<TFloat32> x;
            Operand<?> input;
            if (intInput) {
                Placeholder<TInt32> p = tf.withName("serving_default_" + inputKey)
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(inputShape)));
                input = p;
                x = tf.dtypes.cast(p, TFloat32.class);
            } else {
                Placeholder<TFloat32> p = tf.withName("serving_default_" + inputKey)
                        .placeholder(TFloat32.class, Placeholder.shape(Shape.of(inputShape)));
                input = p;
                x = p;
            }
            Variable<TFloat32> w = tf.withSubScope("sequential")
                    .withSubScope("dense_1")
                    .withName("kernel")
                    .variable(Shape.of(width, kernel[0].length), TFloat32.class);
            Variable<TFloat32> b = tf.withSubScope("sequential")
                    .withSubScope("dense_1")
                    .withName("bias")
                    .variable(Shape.of(bias.length), TFloat32.class);
            var initW = tf.assign(w, tf.constant(StdArrays.ndCopyOf(kernel)));
            var initB = tf.assign(b, tf.constant(bias));
            Operand<TFloat32> logits =
                    tf.math.add(tf.linalg.matMul(tf.reshape(x, tf.constant(new long[] {-1, width})), w), b);
            Operand<TFloat32> out = softmax
                    ? tf.withName("StatefulPartitionedCall").nn.softmax(logits)
                    : tf.withName("StatefulPartitionedCall").identity(logits);
            // TF2 writes object-based checkpoints: keys name the object graph's path, not the variable.
            Placeholder<TString> file = tf.withName("saver_filename").placeholder(TString.class);
            Operand<TString> keys =
                    tf.constant(java.nio.charset.StandardCharsets.UTF_8, new String[] {KERNEL_KEY, BIAS_KEY});
            Operand<TString> slices = tf.constant(java.nio.charset.StandardCharsets.UTF_8, new String[] {"", ""});
            var saveObjects = tf.train.save(file, keys, slices, List.of(w, b));
            var restored = tf.train.restore(file, keys, slices, List.of(TFloat32.class, TFloat32.class));
            Op restoreObjects = tf.withControlDependencies(List.of(
                            tf.assign(w, (Operand<TFloat32>) restored.tensors().get(0)),
                            tf.assign(b, (Operand<TFloat32>) restored.tensors().get(1))))
                    .withName("restore_all")
                    .noOp();
            try (Session s = new Session(g)) {
                s.run(initW);
                s.run(initB);
                Signature sig = Signature.builder()
                        .key(signatureKey)
                        .methodName("tensorflow/serving/predict")
                        .input(inputKey, input)
                        .output(outputKey, out)
                        .build();
                SavedModelBundle.exporter(dir.toString())
                        .withSession(s)
                        .withSignature(sig)
                        .export();
                // The checkpoint again, under object-based keys only, and the loader pointed at their restore.
                Path prefix = dir.resolve("variables/variables");
                for (String f : List.of("variables.index", "variables.data-00000-of-00001")) {
                    Files.delete(dir.resolve("variables").resolve(f));
                }
                try (TString name = TString.scalarOf(prefix.toString())) {
                    s.runner().feed(file, name).addTarget(saveObjects).run();
                }
            }
            Path pb = dir.resolve("saved_model.pb");
            SavedModel model = SavedModel.parseFrom(Files.readAllBytes(pb));
            MetaGraphDef meta = model.getMetaGraphs(0);
            SaverDef saver = meta.getSaverDef().toBuilder()
                    .setFilenameTensorName(file.op().name() + ":0")
                    .setRestoreOpName(restoreObjects.op().name())
                    .setSaveTensorName("")
                    .build();
            Files.write(
                    pb,
                    model.toBuilder()
                            .setMetaGraphs(0, meta.toBuilder().setSaverDef(saver))
                            .build()
                            .toByteArray());
        }
    }
}
