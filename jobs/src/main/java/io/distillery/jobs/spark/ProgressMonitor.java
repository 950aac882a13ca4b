package io.distillery.jobs.spark;

import io.distillery.stage.Progress;
import io.distillery.stage.StageStore;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Driver side of progress: polls the stage's {@link Progress} file and draws a bar per epoch with
 * loss and accuracy — redrawn in place on a terminal, one line per finished epoch otherwise (logs,
 * Airflow, notebooks).
 */
public final class ProgressMonitor implements AutoCloseable {
    private final StageStore stageDir;
    private final String stage;
    private final PrintStream out;
    private final boolean terminal;
    private final Thread thread;
    private volatile boolean running = true;
    private int lastEpochPrinted = -1;
    private String lastLine = "";

    public ProgressMonitor(StageStore stageDir, String stage, PrintStream out) {
        this.stageDir = stageDir;
        this.stage = stage;
        this.out = out;
        this.terminal = System.console() != null && System.getenv("DISTILLERY_PLAIN_PROGRESS") == null;
        this.thread = new Thread(this::loop, "distillery-progress-" + stage);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            poll();
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void poll() {
        try {
            for (String name : stageDir.list(Progress.EPOCHS)) {
                int epoch = Integer.parseInt(name.replace(".json", ""));
                if (epoch > lastEpochPrinted) {
                    Progress p = Progress.parse(stageDir.readString(Progress.EPOCHS + "/" + name));
                    lastEpochPrinted = epoch;
                    out.print(terminal ? "\r" + render(stage, p) + "\n" : render(stage, p) + "\n");
                    out.flush();
                }
            }
            if (terminal && stageDir.exists(Progress.FILE)) {
                Progress p = Progress.parse(stageDir.readString(Progress.FILE));
                String line = render(stage, p);
                if (!p.epochDone() && p.epoch() > lastEpochPrinted && !line.equals(lastLine)) {
                    out.print("\r" + line);
                    out.flush();
                    lastLine = line;
                }
            }
        } catch (Exception e) {
            // A half-visible file on an eventually consistent store: try again on the next poll.
        }
    }

    static String render(String stage, Progress p) {
        long inEpoch = p.stepsPerEpoch() == 0 ? 0 : p.step() - (long) p.epoch() * p.stepsPerEpoch();
        double frac =
                p.epochDone() ? 1 : p.stepsPerEpoch() == 0 ? 0 : Math.min(1, (double) inEpoch / p.stepsPerEpoch());
        int width = 24;
        int filled = (int) Math.round(frac * width);
        return String.format(
                Locale.ROOT,
                "%-16s epoch %2d/%-2d [%s%s] %3.0f%%  loss %.4f  acc %.4f",
                stage,
                p.epoch() + 1,
                p.epochs(),
                "#".repeat(filled),
                "-".repeat(width - filled),
                frac * 100,
                p.loss(),
                p.accuracy());
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        poll();
    }
}
