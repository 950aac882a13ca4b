package io.distillery.core.train;

/**
 * Optimizer choice and its hyper-parameters.
 *
 * @param momentum SGD momentum (0 = plain gradient descent); ignored by Adam
 */
public record OptimizerSpec(Kind kind, double learningRate, double momentum) implements java.io.Serializable {

    /** The optimizers a stage can use. */
    public enum Kind {
        ADAM,
        SGD;

        /** {@code adam} or {@code sgd}, any case; null means Adam. */
        public static Kind parse(String name) {
            if (name == null) {
                return ADAM;
            }
            for (Kind k : values()) {
                if (k.name().equalsIgnoreCase(name.trim())) {
                    return k;
                }
            }
            throw new IllegalArgumentException("optimizer must be adam or sgd, found '" + name + "'");
        }
    }

    /** From a config's spelling ({@code adam}, {@code sgd}). */
    public OptimizerSpec(String name, double learningRate, double momentum) {
        this(Kind.parse(name), learningRate, momentum);
    }

    public OptimizerSpec {
        if (kind == null) {
            throw new IllegalArgumentException("optimizer must be adam or sgd, found null");
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning_rate must be > 0, found " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), found " + momentum);
        }
    }

    public static OptimizerSpec adam(double learningRate) {
        return new OptimizerSpec(Kind.ADAM, learningRate, 0);
    }

    public static OptimizerSpec sgd(double learningRate, double momentum) {
        return new OptimizerSpec(Kind.SGD, learningRate, momentum);
    }

    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPSILON = 1e-7;
}
