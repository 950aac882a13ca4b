package io.distillery.core.train;

import java.util.Locale;

/**
 * Optimizer choice and its hyper-parameters.
 *
 * @param name {@code adam} or {@code sgd}
 * @param momentum SGD momentum (0 = plain gradient descent); ignored by Adam
 */
public record OptimizerSpec(String name, double learningRate, double momentum)
    implements java.io.Serializable {
  public OptimizerSpec {
    name = name == null ? "adam" : name.toLowerCase(Locale.ROOT);
    if (!name.equals("adam") && !name.equals("sgd")) {
      throw new IllegalArgumentException("optimizer must be adam or sgd, found '" + name + "'");
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning_rate must be > 0, found " + learningRate);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), found " + momentum);
    }
  }

  public static OptimizerSpec adam(double learningRate) {
    return new OptimizerSpec("adam", learningRate, 0);
  }

  public static OptimizerSpec sgd(double learningRate, double momentum) {
    return new OptimizerSpec("sgd", learningRate, momentum);
  }

  static final double BETA1 = 0.9;
  static final double BETA2 = 0.999;
  static final double EPSILON = 1e-7;
}
