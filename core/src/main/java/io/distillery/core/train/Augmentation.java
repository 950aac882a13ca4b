package io.distillery.core.train;

import java.io.Serializable;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random image transforms of training batches: a shift of up to {@code shift} pixels in each direction
 * (the uncovered border is zero, as Keras's {@code RandomTranslation} with constant fill), with {@code
 * flip} a horizontal mirror half of the time, and with {@code mixup > 0} mixup (Zhang et al. 2018):
 * each row becomes {@code λ · itself + (1 − λ) · another row of the batch}, λ drawn from Beta(mixup,
 * mixup), and its training target mixes the two rows' labels the same way ({@link Mix}). Applied in
 * Java to the batch's rows before they are fed, from random streams of the seed and the step: the same
 * step always draws the same transforms, so a resumed stage repeats them exactly.
 *
 * <p>For distillation, mixup is what Beyer et al. (2022) call function matching: the teacher scores the
 * mixed images too (consistent teaching), so the student learns the teacher's function between the
 * training images as well as on them.
 *
 * @param mixup the Beta distribution's parameter; 0 for no mixup, 1 for λ uniform in [0, 1]
 */
public record Augmentation(int shift, boolean flip, double mixup) implements Serializable {
    public static final Augmentation NONE = new Augmentation(0, false, 0);

    public Augmentation {
        if (shift < 0) {
            throw new IllegalArgumentException("augment: shift must be >= 0 pixels, found " + shift);
        }
        if (!(mixup >= 0 && mixup <= 100)) {
            throw new IllegalArgumentException(
                    "augment: mixup's Beta parameter must be in [0, 100] (0: none), found " + mixup);
        }
    }

    /** Shift and flip, no mixup. */
    public Augmentation(int shift, boolean flip) {
        this(shift, flip, 0);
    }

    public boolean isNone() {
        return shift == 0 && !flip && mixup == 0;
    }

    /** Whether rows are mixed, so that their labels and any teacher's logits must be too. */
    public boolean mixes() {
        return mixup > 0;
    }

    /** Reads the config form: a list of {@code shift(pixels)}, {@code flip}, {@code mixup} or {@code mixup(α)}. */
    public static Augmentation parse(List<String> items) {
        int shift = 0;
        boolean flip = false;
        double mixup = 0;
        for (String raw : items == null ? List.<String>of() : items) {
            String item = raw.trim().toLowerCase(java.util.Locale.ROOT).replace(" ", "");
            if (item.equals("flip")) {
                flip = true;
            } else if (item.matches("shift\\(\\d+\\)")) {
                shift = Integer.parseInt(item.substring(6, item.length() - 1));
            } else if (item.equals("mixup")) {
                mixup = 1;
            } else if (item.matches("mixup\\(\\d*\\.?\\d+\\)")) {
                mixup = Double.parseDouble(item.substring(6, item.length() - 1));
                if (mixup == 0) {
                    throw new IllegalArgumentException(
                            "augment: mixup(α) needs α > 0 (leave mixup out for none), found '" + raw + "'");
                }
            } else {
                throw new IllegalArgumentException(
                        "augment: unknown transform '" + raw + "'; expected shift(pixels), flip, mixup or mixup(α)");
            }
        }
        return new Augmentation(shift, flip, mixup);
    }

    /**
     * Transforms {@code rows} images of {@code [height, width, channels]}, flat in {@code values}, in
     * place: shift and flip, then mixup.
     *
     * @return how the rows were mixed, or null without mixup
     */
    public Mix apply(float[] values, int rows, int[] shape, long seed, long step) {
        if (shift > 0 || flip) {
            shiftAndFlip(values, rows, shape, seed, step);
        }
        return mixes() ? mix(values, rows, shape[0] * shape[1] * shape[2], seed, step) : null;
    }

    private void shiftAndFlip(float[] values, int rows, int[] shape, long seed, long step) {
        int h = shape[0];
        int w = shape[1];
        int c = shape[2];
        int size = h * w * c;
        float[] image = new float[size];
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
        for (int r = 0; r < rows; r++) {
            int dy = shift == 0 ? 0 : random.nextInt(2 * shift + 1) - shift;
            int dx = shift == 0 ? 0 : random.nextInt(2 * shift + 1) - shift;
            boolean mirror = flip && random.nextBoolean();
            System.arraycopy(values, r * size, image, 0, size);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int sy = y - dy;
                    int sx = (mirror ? w - 1 - x : x) - dx;
                    int out = r * size + (y * w + x) * c;
                    boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                    for (int k = 0; k < c; k++) {
                        values[out + k] = inside ? image[(sy * w + sx) * c + k] : 0f;
                    }
                }
            }
        }
    }

    /** Mixes each row with a partner drawn by a random permutation of the batch; its own stream of the step. */
    private Mix mix(float[] values, int rows, int size, long seed, long step) {
        SplittableRandom random = new SplittableRandom((seed ^ 0x5DEECE66DL) * 0xBF58476D1CE4E5B9L + step);
        int[] partner = new int[rows];
        for (int i = 0; i < rows; i++) {
            partner[i] = i;
        }
        for (int i = rows - 1; i > 0; i--) { // Fisher–Yates
            int j = random.nextInt(i + 1);
            int t = partner[i];
            partner[i] = partner[j];
            partner[j] = t;
        }
        float[] weight = new float[rows];
        float[] original = java.util.Arrays.copyOf(values, rows * size);
        for (int i = 0; i < rows; i++) {
            float lambda = (float) beta(random, mixup);
            weight[i] = lambda;
            int a = i * size;
            int b = partner[i] * size;
            for (int k = 0; k < size; k++) {
                values[a + k] = lambda * original[a + k] + (1 - lambda) * original[b + k];
            }
        }
        return new Mix(partner, weight);
    }

    /** Beta(a, a) as X / (X + Y) of two Gamma(a) draws. */
    static double beta(SplittableRandom random, double a) {
        double x = gamma(random, a);
        double y = gamma(random, a);
        return x + y == 0 ? 0.5 : x / (x + y);
    }

    /** Gamma(a, 1) by Marsaglia and Tsang (2000); for a < 1 through Gamma(a + 1) · U^(1/a). */
    static double gamma(SplittableRandom random, double a) {
        if (a < 1) {
            return gamma(random, a + 1) * Math.pow(random.nextDouble(), 1 / a);
        }
        double d = a - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z = random.nextGaussian();
            double v = 1 + c * z;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    /**
     * How a batch was mixed: row {@code i} is {@code weight[i] · row i + (1 − weight[i]) · row
     * partner[i]} of the unmixed batch, and so is its target.
     */
    public record Mix(int[] partner, float[] weight) {}
}
