package io.distillery.export;

/**
 * The shape a tensor really has in core's graph, and so in every export, for a shape the spec reports:
 * core's graph holds either NHWC images ({@code [H, W, C]}) or flat rows. A spec whose input is, say,
 * {@code [28, 28]} is fed flat and stays flat through flatten and dropout, though the spec reports
 * {@code [28, 28]} for them. Batch dimension left out.
 */
public final class GraphShapes {
    private GraphShapes() {}

    public static int[] of(int[] specShape) {
        if (specShape.length == 3) {
            return specShape.clone();
        }
        int n = 1;
        for (int d : specShape) {
            n *= d;
        }
        return new int[] {n};
    }
}
