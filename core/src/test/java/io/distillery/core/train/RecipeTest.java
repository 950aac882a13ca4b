package io.distillery.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
                "augment: unknown transform 'rotate(10)'; expected shift(pixels) or flip",
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
}
