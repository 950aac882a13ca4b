package io.distillery.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Initial weights computed in Java from a seed: Glorot-uniform kernels and zero biases, as Keras does
 * by default. The same seed gives bit-identical weights in every JVM, which is how all workers of a
 * data-parallel run start from the same point.
 */
public final class Initializer {
  private Initializer() {}

  public static Weights glorotUniform(ModelSpec spec, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<NamedArray> arrays = new ArrayList<>();
    List<int[]> shapes = spec.outputShapes();
    int[] in = spec.inputShape();
    List<ModelSpec.NamedLayer> layers = spec.namedLayers();
    for (int i = 0; i < layers.size(); i++) {
      LayerSpec layer = layers.get(i).spec();
      String name = layers.get(i).name();
      if (layer instanceof LayerSpec.Dense d) {
        arrays.add(glorot(name + "/kernel", new long[] {in[0], d.units()}, in[0], d.units(), random));
        arrays.add(new NamedArray(name + "/bias", new long[] {d.units()}, new float[d.units()]));
      } else if (layer instanceof LayerSpec.Conv2D c) {
        int k = c.kernelSize();
        int fanIn = k * k * in[2];
        int fanOut = k * k * c.filters();
        arrays.add(
            glorot(name + "/kernel", new long[] {k, k, in[2], c.filters()}, fanIn, fanOut, random));
        arrays.add(new NamedArray(name + "/bias", new long[] {c.filters()}, new float[c.filters()]));
      }
      in = shapes.get(i);
    }
    return new Weights(arrays);
  }

  private static NamedArray glorot(
      String name, long[] shape, int fanIn, int fanOut, SplittableRandom random) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] values = new float[(int) n];
    double limit = Math.sqrt(6.0 / (fanIn + fanOut));
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
    }
    return new NamedArray(name, shape, values);
  }
}
