package io.distillery.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecipeTest {
    @Test
    void cosineAfterWarmupFallsFromTheBaseRateToZero() {
        Recipe r = new Recipe(Recipe.Schedule.COSINE, 2, 0, 0, Augmentation.NONE);
        // 10 steps per epoch, 100 steps: warm-up over steps 0..19, then half a cosine over 80 steps.
        assertEquals(0.1 / 20, r.learningRate(0.1, 0, 10, 100), 1e-12);
        assertEquals(0.1, r.learningRate(0.1, 19, 10, 100), 1e-12);
        assertEquals(0.1, r.learningRate(0.1, 20, 10, 100), 1e-12);
        assertEquals(0.05, r.learningRate(0.1, 60, 10, 100), 1e-12);
        assertEquals(0.0, r.learningRate(0.1, 100, 10, 100), 1e-12);
        // Before the loop says how long the stage is, the optimizer's rate.
        assertEquals(0.1, r.learningRate(0.1, 5, 0, 0), 1e-12);
        assertEquals(0.1, Recipe.PLAIN.learningRate(0.1, 60, 10, 100), 1e-12);
    }

    @Test
    void badSettingsNameTheirKey() {
        assertEquals(
                "lr_schedule must be constant or cosine, found 'linear'",
                assertThrows(IllegalArgumentException.class, () -> Recipe.Schedule.parse("linear"))
                        .getMessage());
        assertEquals(
                "label_smoothing must be in [0, 1), found 1.0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> new Recipe(Recipe.Schedule.CONSTANT, 0, 0, 1, Augmentation.NONE))
                        .getMessage());
        assertEquals(
                "augment: unknown transform 'rotate(10)'; expected shift(pixels), flip, mixup or mixup(α)",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> Augmentation.parse(List.of("shift(2)", "rotate(10)")))
                        .getMessage());
    }

    @Test
    void augmentationShiftsAndFlipsImagesAsAFunctionOfSeedAndStep() {
        assertEquals(new Augmentation(2, true), Augmentation.parse(List.of("shift(2)", "flip")));
        int[] shape = {3, 3, 1};
        float[] image = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] a = image.clone();
        float[] b = image.clone();
        new Augmentation(1, true).apply(a, 1, shape, 7, 42);
        new Augmentation(1, true).apply(b, 1, shape, 7, 42);
        assertArrayEquals(a, b, "same seed and step, same transform");
        // Over many steps: every pixel value either stays an image value or becomes the zero border,
        // the centre moves, and some image is mirrored (1 right of 2 in its top row).
        boolean moved = false;
        boolean mirrored = false;
        for (long step = 0; step < 50; step++) {
            float[] x = image.clone();
            new Augmentation(1, true).apply(x, 1, shape, 7, step);
            moved |= x[4] != 5;
            mirrored |= x[0] == 3 && x[1] == 2 && x[2] == 1;
            for (float v : x) {
                assertFalse(v < 0 || v > 9);
            }
        }
        assertEquals(true, moved && mirrored, "moved " + moved + ", mirrored " + mirrored);
        float[] untouched = image.clone();
        Augmentation.NONE.apply(untouched, 1, shape, 7, 3);
        assertArrayEquals(image, untouched);
    }

    @Test
    void mixupParsesWithOrWithoutItsBetaParameter() {
        assertEquals(new Augmentation(2, true, 1), Augmentation.parse(List.of("shift(2)", "flip", "mixup")));
        assertEquals(new Augmentation(0, false, 0.2), Augmentation.parse(List.of("mixup(0.2)")));
        assertTrue(Augmentation.parse(List.of("mixup")).mixes());
        assertFalse(Augmentation.parse(List.of("mixup(0.4)")).isNone());
        assertFalse(Augmentation.parse(List.of("shift(2)", "flip")).mixes());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Augmentation.parse(List.of("mixup(0)")))
                .getMessage()
                .contains("mixup(α) needs α > 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Augmentation.parse(List.of("mixup(-1)")))
                .getMessage()
                .contains("unknown transform 'mixup(-1)'"));
    }

    @Test
    void mixupBlendsEachRowWithAPartnerAsAFunctionOfSeedAndStep() {
        int rows = 16;
        int[] shape = {2, 2, 1};
        float[] batch = new float[rows * 4];
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(batch, r * 4, r * 4 + 4, r + 1); // row r is all (r + 1)
        }
        Augmentation mixup = new Augmentation(0, false, 1);
        float[] a = batch.clone();
        Augmentation.Mix mix = mixup.apply(a, rows, shape, 7, 3);
        float[] b = batch.clone();
        Augmentation.Mix again = mixup.apply(b, rows, shape, 7, 3);
        assertArrayEquals(a, b, "same seed and step, same mix");
        assertArrayEquals(mix.partner(), again.partner());
        // The partners are a permutation of the batch, and each row is its weighted blend with its partner.
        assertArrayEquals(
                java.util.stream.IntStream.range(0, rows).toArray(),
                java.util.Arrays.stream(mix.partner()).sorted().toArray());
        boolean someoneMoved = false;
        for (int r = 0; r < rows; r++) {
            float w = mix.weight()[r];
            assertTrue(w >= 0 && w <= 1, "weight " + w);
            float expected = w * (r + 1) + (1 - w) * (mix.partner()[r] + 1);
            for (int k = 0; k < 4; k++) {
                assertEquals(expected, a[r * 4 + k], 1e-5);
            }
            someoneMoved |= mix.partner()[r] != r;
        }
        assertTrue(someoneMoved, "a permutation of 16 rows that is the identity");
        float[] c = batch.clone();
        assertFalse(
                java.util.Arrays.equals(
                        mix.weight(), mixup.apply(c, rows, shape, 7, 4).weight()),
                "another step, another mix");
        assertEquals(null, new Augmentation(1, true).apply(batch.clone(), rows, shape, 7, 3), "no mixup, no mix");
    }

    @Test
    void mixupWeightsFollowTheirBetaDistribution() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        int n = 20_000;
        double sum = 0;
        double sumSq = 0;
        int extreme = 0;
        for (int i = 0; i < n; i++) {
            double x = Augmentation.beta(random, 1);
            sum += x;
            sumSq += x * x;
        }
        double mean = sum / n;
        // Beta(1, 1) is uniform: mean 1/2, variance 1/12.
        assertEquals(0.5, mean, 0.01);
        assertEquals(1.0 / 12, sumSq / n - mean * mean, 0.003);
        for (int i = 0; i < n; i++) {
            double x = Augmentation.beta(random, 0.2);
            extreme += x < 0.1 || x > 0.9 ? 1 : 0;
        }
        // Beta(0.2, 0.2) puts most of its mass near 0 and 1 (about 70 % outside [0.1, 0.9]).
        assertTrue(extreme > 0.6 * n && extreme < 0.8 * n, extreme + " of " + n + " outside [0.1, 0.9]");
    }
}
