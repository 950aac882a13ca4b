package io.distillery.distill;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * What distillation bought, from the test accuracies of the teacher, of the student trained alone
 * (same architecture, seed and epochs) and of the distilled student. The gain in points says whether
 * it helped; the share of the gap closed, (distilled − alone) / (teacher − alone), says how much of
 * what the teacher knows beyond the student it passed on (Hinton et al. report 91 % on MNIST).
 */
public record DistillationGain(double teacher, double alone, double distilled) {
    /** Below this gap (a tenth of a point) the share is noise: one test image in 10,000 moves it 10 %. */
    static final double MIN_GAP = 0.001;

    /** Test accuracy points gained over the student trained alone; negative when distillation hurt. */
    public double points() {
        return 100 * (distilled - alone);
    }

    /** The share of the teacher's lead closed; empty when the teacher does not lead the student alone. */
    public OptionalDouble gapClosed() {
        double gap = teacher - alone;
        return gap < MIN_GAP ? OptionalDouble.empty() : OptionalDouble.of((distilled - alone) / gap);
    }

    /** "+0.29 points, 17 % of the gap to the teacher's 0.9129", or why there is no share. */
    public String describe() {
        String points = String.format(Locale.ROOT, "%+.2f points", points());
        OptionalDouble closed = gapClosed();
        return closed.isPresent()
                ? String.format(
                        Locale.ROOT,
                        "%s, %.0f %% of the gap to the teacher's %.4f",
                        points,
                        100 * closed.getAsDouble(),
                        teacher)
                : String.format(
                        Locale.ROOT,
                        "%s; the teacher (%.4f) does not lead the student alone, so there is no gap to close",
                        points,
                        teacher);
    }
}
