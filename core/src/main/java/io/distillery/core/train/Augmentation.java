package io.distillery.core.train;

import java.io.Serializable;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random image transforms of training batches: a shift of up to {@code shift} pixels in each direction
 * (the uncovered border is zero, as Keras's {@code RandomTranslation} with constant fill) and, with
 * {@code flip}, a horizontal mirror half of the time. Applied in Java to the batch's rows before they
 * are fed, from a random stream of the seed and the step: the same step always draws the same
 * transforms, so a resumed stage repeats them exactly.
 */
public record Augmentation(int shift, boolean flip) implements Serializable {
    public static final Augmentation NONE = new Augmentation(0, false);

    public Augmentation {
        if (shift < 0) {
            throw new IllegalArgumentException("augment: shift must be >= 0 pixels, found " + shift);
        }
    }

    public boolean isNone() {
        return shift == 0 && !flip;
    }

    /** Reads the config form: a list of {@code shift(pixels)} and {@code flip}. */
    public static Augmentation parse(List<String> items) {
        int shift = 0;
        boolean flip = false;
        for (String raw : items == null ? List.<String>of() : items) {
            String item = raw.trim().toLowerCase(java.util.Locale.ROOT).replace(" ", "");
            if (item.equals("flip")) {
                flip = true;
            } else if (item.matches("shift\\(\\d+\\)")) {
                shift = Integer.parseInt(item.substring(6, item.length() - 1));
            } else {
                throw new IllegalArgumentException(
                        "augment: unknown transform '" + raw + "'; expected shift(pixels) or flip");
            }
        }
        return new Augmentation(shift, flip);
    }

    /** Transforms {@code rows} images of {@code [height, width, channels]}, flat in {@code values}, in place. */
    public void apply(float[] values, int rows, int[] shape, long seed, long step) {
        if (isNone()) {
            return;
        }
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
}
