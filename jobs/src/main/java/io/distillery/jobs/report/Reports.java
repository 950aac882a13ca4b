package io.distillery.jobs.report;

import io.distillery.jobs.pipeline.RunDirectory;
import java.io.IOException;
import java.io.PrintStream;

/** Keeps a run's {@value #FILE} current. */
public final class Reports {
    public static final String FILE = "report.html";

    private Reports() {}

    /**
     * Rebuilds {@code <run>/report.html} from the run directory. Writes only if the page changed, so
     * refreshing an unchanged run leaves its directory untouched.
     *
     * @return true if the file was (re)written
     */
    public static boolean refresh(RunDirectory run) throws IOException {
        String html = ReportWriter.html(RunRecord.read(run, true));
        if (run.exists(FILE) && run.readString(FILE).equals(html)) {
            return false;
        }
        run.writeString(FILE, html);
        return true;
    }

    /**
     * {@link #refresh} at the end of a command: a report that cannot be written is worth a warning,
     * never a failed job (nor a hidden original error).
     */
    public static void refreshQuietly(RunDirectory run, PrintStream out) {
        try {
            refresh(run);
        } catch (IOException | RuntimeException e) {
            out.println("report   could not write " + run.uri() + "/" + FILE + ": " + e.getMessage());
        }
    }
}
