package io.distillery.prune;

import io.distillery.core.model.LayerSpec;
import io.distillery.core.model.ModelSpec;
import io.distillery.core.model.NamedArray;
import io.distillery.core.model.Weights;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The output units of one dense or conv2d layer that structured pruning may remove, and every array
 * they flow through until the next dense or conv2d layer (the {@code reader}) takes them in. A removed
 * unit must output exactly 0 all along: its kernel column and bias, the {@code gamma} and {@code beta}
 * of each batch norm on the way (a zero {@code gamma} also cancels the moving mean at inference) and the
 * bias of each depthwise convolution on the way are zeroed with it. Pooling and dropout keep a zero
 * channel zero and need nothing.
 *
 * @param index the layer's index in the model's layers
 * @param rankedBy the batch norm right after the layer (dropout aside), whose {@code |gamma|} ranks the
 *     units; null to rank them by their kernel column's L2 norm
 */
record UnitPath(int index, String layer, int units, String rankedBy, List<Hop> hops, String reader)
        implements Serializable {

    UnitPath {
        hops = List.copyOf(hops);
    }

    /** A layer between the pruned layer and its reader that has per-channel arrays or moves channels. */
    sealed interface Hop extends Serializable permits Normalized, Depthwise, Flattened {
        /**
         * The unit behind each index of this hop's output, given the unit behind each index of its input
         * ({@code owner[j]} is the unit that feature {@code j} comes from).
         */
        int[] carry(int[] owner);
    }

    /** A batch norm: channel {@code j} in, channel {@code j} out. */
    record Normalized(String layer) implements Hop {
        @Override
        public int[] carry(int[] owner) {
            return owner;
        }
    }

    /** A depthwise convolution: channel {@code c} in, channels {@code c * multiplier + k} out. */
    record Depthwise(String layer, int multiplier) implements Hop {
        @Override
        public int[] carry(int[] owner) {
            int[] out = new int[owner.length * multiplier];
            for (int j = 0; j < out.length; j++) {
                out[j] = owner[j / multiplier];
            }
            return out;
        }
    }

    /** A flatten of {@code [height, width, channels]}, NHWC: channel {@code c} goes to {@code (h*W + w)*C + c}. */
    record Flattened(int height, int width, int channels) implements Hop {
        @Override
        public int[] carry(int[] owner) {
            int[] out = new int[height * width * channels];
            for (int j = 0; j < out.length; j++) {
                out[j] = owner[j % channels];
            }
            return out;
        }
    }

    /**
     * Every layer of {@code spec} whose units structured pruning may remove, in layer order: each dense
     * and conv2d layer except the last (the logits) and those whose outputs reach a residual block's
     * start or end before a dense or conv2d layer reads them, since a residual stream's channels are
     * shared by its addition.
     */
    static List<UnitPath> of(ModelSpec spec) {
        List<ModelSpec.NamedLayer> layers = spec.namedLayers();
        List<int[]> shapes = spec.outputShapes();
        List<UnitPath> out = new ArrayList<>();
        for (int i = 0; i < layers.size() - 1; i++) {
            LayerSpec layer = layers.get(i).spec();
            if (!isWeighted(layer)) {
                continue;
            }
            List<Hop> hops = new ArrayList<>();
            String rankedBy = null;
            String reader = null;
            boolean adjacent = true;
            for (int j = i + 1; j < layers.size(); j++) {
                ModelSpec.NamedLayer after = layers.get(j);
                LayerSpec next = after.spec();
                if (isWeighted(next)) {
                    reader = after.name();
                    break;
                } else if (next instanceof LayerSpec.Residual || next instanceof LayerSpec.Add) {
                    break;
                } else if (next instanceof LayerSpec.BatchNorm) {
                    hops.add(new Normalized(after.name()));
                    rankedBy = adjacent ? after.name() : rankedBy;
                } else if (next instanceof LayerSpec.DepthwiseConv2D d) {
                    hops.add(new Depthwise(after.name(), d.multiplier()));
                } else if (next instanceof LayerSpec.Flatten) {
                    int[] in = shapes.get(j - 1);
                    if (in.length == 3) {
                        hops.add(new Flattened(in[0], in[1], in[2]));
                    }
                }
                adjacent = adjacent && next instanceof LayerSpec.Dropout;
            }
            if (reader != null) {
                out.add(new UnitPath(i, layers.get(i).name(), units(layer), rankedBy, hops, reader));
            }
        }
        return List.copyOf(out);
    }

    private static boolean isWeighted(LayerSpec layer) {
        return layer instanceof LayerSpec.Dense || layer instanceof LayerSpec.Conv2D;
    }

    private static int units(LayerSpec layer) {
        return layer instanceof LayerSpec.Dense d ? d.units() : ((LayerSpec.Conv2D) layer).filters();
    }

    /** {@code layer}, this path's layer, with {@code units} units or filters. */
    LayerSpec narrowed(LayerSpec layer, int units) {
        if (layer instanceof LayerSpec.Dense d) {
            return new LayerSpec.Dense(units, d.activation());
        }
        LayerSpec.Conv2D c = (LayerSpec.Conv2D) layer;
        return new LayerSpec.Conv2D(units, c.kernelSize(), c.activation(), c.padding(), c.stride());
    }

    /** The arrays a removed unit is zeroed in: kernel, bias, then each hop's, in layer order. */
    List<String> maskedNames() {
        List<String> names = new ArrayList<>(List.of(layer + "/kernel", layer + "/bias"));
        for (Hop hop : hops) {
            if (hop instanceof Normalized n) {
                names.add(n.layer() + "/gamma");
                names.add(n.layer() + "/beta");
            } else if (hop instanceof Depthwise d) {
                names.add(d.layer() + "/kernel");
                names.add(d.layer() + "/bias");
            }
        }
        return names;
    }

    /**
     * The units to keep at {@code sparsity}: all but the {@code floor(sparsity × units)} weakest, and
     * never none. Ties go to the lower index first, so pruned units (score 0) stay pruned.
     */
    boolean[] strongest(Weights weights, double sparsity) {
        if (!(sparsity >= 0.0 && sparsity < 1.0)) {
            throw new IllegalArgumentException(layer + ": sparsity must be in [0, 1), found " + sparsity);
        }
        double[] score = scores(weights);
        Integer[] order = new Integer[units];
        for (int u = 0; u < units; u++) {
            if (Double.isNaN(score[u])) {
                throw new IllegalArgumentException(layer + ": unit " + u + " ranks NaN ("
                        + (rankedBy == null ? layer + "/kernel" : rankedBy + "/gamma")
                        + "), cannot rank units; did training diverge?");
            }
            order[u] = u;
        }
        Arrays.sort(order, (a, b) -> score[a] != score[b] ? Double.compare(score[a], score[b]) : a - b);
        int pruned = Math.min(TensorMask.prunedCount(units, sparsity), units - 1);
        boolean[] keep = new boolean[units];
        Arrays.fill(keep, true);
        for (int r = 0; r < pruned; r++) {
            keep[order[r]] = false;
        }
        return keep;
    }

    private double[] scores(Weights weights) {
        double[] score = new double[units];
        if (rankedBy != null) {
            float[] gamma = weights.get(rankedBy + "/gamma").values();
            for (int u = 0; u < units; u++) {
                score[u] = Math.abs(gamma[u]);
            }
            return score;
        }
        NamedArray kernel = weights.get(layer + "/kernel");
        double[] squares = Slices.sumsOfSquares(kernel, kernel.shape().length - 1);
        for (int u = 0; u < units; u++) {
            score[u] = Math.sqrt(squares[u]);
        }
        return score;
    }

    /** The units whose kernel column is not all exactly zero: those the masks in force keep. */
    boolean[] live(Weights weights) {
        NamedArray kernel = weights.get(layer + "/kernel");
        return Slices.nonZero(kernel, kernel.shape().length - 1);
    }

    /**
     * The units that may output something other than 0, so that removing one of the others leaves the
     * model's output exactly as it was: a non-zero kernel column or bias, or a non-zero {@code gamma},
     * {@code beta} or depthwise bias on the way.
     */
    boolean[] carrying(Weights weights) {
        boolean[] carrying = live(weights);
        float[] bias = weights.get(layer + "/bias").values();
        for (int u = 0; u < units; u++) {
            carrying[u] |= bias[u] != 0f;
        }
        int[] owner = identity(units);
        for (Hop hop : hops) {
            int[] next = hop.carry(owner);
            if (hop instanceof Normalized n) {
                float[] gamma = weights.get(n.layer() + "/gamma").values();
                float[] beta = weights.get(n.layer() + "/beta").values();
                for (int j = 0; j < owner.length; j++) {
                    carrying[owner[j]] |= gamma[j] != 0f || beta[j] != 0f;
                }
            } else if (hop instanceof Depthwise d) {
                float[] dwBias = weights.get(d.layer() + "/bias").values();
                for (int j = 0; j < next.length; j++) {
                    carrying[next[j]] |= dwBias[j] != 0f;
                }
            }
            owner = next;
        }
        return carrying;
    }

    /** Masks that zero the units {@code keep} drops in every array of {@link #maskedNames}, by name. */
    Map<String, TensorMask> masks(Weights weights, boolean[] keep) {
        Map<String, TensorMask> masks = new LinkedHashMap<>();
        NamedArray kernel = weights.get(layer + "/kernel");
        masks.put(kernel.name(), Slices.mask(kernel, kernel.shape().length - 1, keep));
        masks.put(layer + "/bias", Slices.mask(weights.get(layer + "/bias"), 0, keep));
        int[] owner = identity(units);
        for (Hop hop : hops) {
            int[] next = hop.carry(owner);
            if (hop instanceof Normalized n) {
                for (String v : List.of("/gamma", "/beta")) {
                    masks.put(n.layer() + v, Slices.mask(weights.get(n.layer() + v), 0, kept(owner, keep)));
                }
            } else if (hop instanceof Depthwise d) {
                masks.put(d.layer() + "/kernel", Slices.mask(weights.get(d.layer() + "/kernel"), 2, kept(owner, keep)));
                masks.put(d.layer() + "/bias", Slices.mask(weights.get(d.layer() + "/bias"), 0, kept(next, keep)));
            }
            owner = next;
        }
        return masks;
    }

    /**
     * Removes the units {@code keep} drops from {@code arrays} (replaced in place, by name): the layer's
     * kernel columns and bias, each hop's slices (batch norm's four vectors, a depthwise kernel's input
     * channels and their biases) and the reader's kernel rows (its second-to-last axis).
     */
    void cut(Map<String, NamedArray> arrays, boolean[] keep) {
        replace(arrays, layer + "/kernel", -1, keep);
        replace(arrays, layer + "/bias", 0, keep);
        int[] owner = identity(units);
        for (Hop hop : hops) {
            int[] next = hop.carry(owner);
            if (hop instanceof Normalized n) {
                for (String v : ModelSpec.BATCH_NORM_VARIABLES) {
                    replace(arrays, n.layer() + "/" + v, 0, kept(owner, keep));
                }
            } else if (hop instanceof Depthwise d) {
                replace(arrays, d.layer() + "/kernel", 2, kept(owner, keep));
                replace(arrays, d.layer() + "/bias", 0, kept(next, keep));
            }
            owner = next;
        }
        replace(arrays, reader + "/kernel", -2, kept(owner, keep));
    }

    /** Replaces {@code name} by its selected slices; a negative axis counts from the end. */
    private static void replace(Map<String, NamedArray> arrays, String name, int axis, boolean[] keep) {
        NamedArray array = arrays.get(name);
        if (array == null) {
            throw new IllegalArgumentException("no weight named " + name + "; have " + arrays.keySet());
        }
        arrays.put(name, Slices.select(array, axis < 0 ? array.shape().length + axis : axis, keep));
    }

    private static boolean[] kept(int[] owner, boolean[] keep) {
        boolean[] out = new boolean[owner.length];
        for (int j = 0; j < owner.length; j++) {
            out[j] = keep[owner[j]];
        }
        return out;
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }
}
