package io.distillery.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillery.core.model.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class StudentFamilyTest {
    @Test
    void scalesHiddenUnitsAndFiltersButNotTheOutput() {
        ModelSpec mlp = ModelSpec.of(new int[] {784}, 10, List.of("dense(128,relu)", "dense(64,relu)", "dense(10)"));
        assertEquals(
                "[dense(32,relu), dense(16,relu), dense(10)]",
                StudentFamily.scaled(mlp, 0.25).layers().toString());
        ModelSpec conv = ModelSpec.of(
                new int[] {28, 28, 1},
                10,
                List.of("conv2d(16,3,relu,same,2)", "separable(32,3,relu,same)", "globalavgpool", "dense(10)"));
        ModelSpec half = StudentFamily.scaled(conv, 0.5);
        assertEquals(10, half.numClasses());
        assertEquals(List.of(14, 14, 16), last(half, 1)); // the pointwise half of separable(32): 16 filters
        assertEquals(conv.layers().size(), half.layers().size());
        assertEquals(
                1, StudentFamily.scaled(mlp, 0.001).layers().get(0).toString().equals("dense(1,relu)") ? 1 : 0);
    }

    private static List<Integer> last(ModelSpec spec, int fromEnd) {
        List<int[]> shapes = spec.outputShapes();
        int[] s = shapes.get(shapes.size() - 1 - fromEnd - 1);
        return java.util.Arrays.stream(s).boxed().toList();
    }
}
