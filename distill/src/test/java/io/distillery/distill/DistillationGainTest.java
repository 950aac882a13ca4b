package io.distillery.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DistillationGainTest {
    @Test
    void gapClosedIsTheShareOfTheTeachersLead() {
        DistillationGain gain = new DistillationGain(0.9290, 0.9105, 0.9200);
        assertEquals(0.95, gain.points(), 1e-9);
        assertEquals((0.9200 - 0.9105) / (0.9290 - 0.9105), gain.gapClosed().getAsDouble(), 1e-12);
        assertEquals("+0.95 points, 51 % of the gap to the teacher's 0.9290", gain.describe());
    }

    @Test
    void aStudentThatLostGroundClosedANegativeShare() {
        DistillationGain gain = new DistillationGain(0.9129, 0.8962, 0.8951);
        assertEquals(-0.11, gain.points(), 1e-9);
        assertTrue(gain.gapClosed().getAsDouble() < 0);
    }

    @Test
    void noShareWhenTheTeacherDoesNotLead() {
        // The 60-epoch mobile student matched its teacher alone: 0.9183 against 0.9184.
        DistillationGain gain = new DistillationGain(0.9184, 0.9183, 0.9189);
        assertTrue(gain.gapClosed().isEmpty());
        assertTrue(gain.describe().contains("no gap to close"), gain.describe());
        assertTrue(new DistillationGain(0.90, 0.91, 0.92).gapClosed().isEmpty());
    }
}
