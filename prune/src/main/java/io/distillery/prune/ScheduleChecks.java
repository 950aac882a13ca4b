package io.distillery.prune;

/** Validation and the TF-MOT update rule shared by both {@link SparsitySchedule}s. */
final class ScheduleChecks {
    private ScheduleChecks() {}

    static void sparsity(String field, double value) {
        if (!(value >= 0.0 && value < 1.0)) {
            throw new IllegalArgumentException("prune." + field + " must be in [0, 1), found " + value);
        }
    }

    static void beginStep(long beginStep) {
        if (beginStep < 0) {
            throw new IllegalArgumentException("prune.begin_step must be >= 0, found " + beginStep);
        }
    }

    static void frequency(int frequency) {
        if (frequency < 1) {
            throw new IllegalArgumentException("prune.frequency must be >= 1, found " + frequency);
        }
    }

    static boolean inRangeAndOnFrequency(long step, long begin, long end, int frequency) {
        return step >= begin
                && (end == SparsitySchedule.NEVER_ENDS || step <= end)
                && Math.floorMod(step - begin, (long) frequency) == 0;
    }
}
