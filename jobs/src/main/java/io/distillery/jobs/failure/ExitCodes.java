package io.distillery.jobs.failure;

/**
 * Process exit codes, stable for schedulers (Airflow, spark-submit wrappers, shell scripts).
 *
 * <table>
 *   <caption>exit codes</caption>
 *   <tr><td>0</td><td>success</td></tr>
 *   <tr><td>1</td><td>unexpected internal error (a bug: please report it)</td></tr>
 *   <tr><td>2</td><td>bad command line or configuration</td></tr>
 *   <tr><td>3</td><td>bad or missing input data</td></tr>
 *   <tr><td>4</td><td>storage failure (run directory, model store unreachable, read-only or full)</td></tr>
 *   <tr><td>5</td><td>training failure (diverged, worker lost beyond retries, stage missing)</td></tr>
 *   <tr><td>6</td><td>a published version failed verification, or a model failed its quality gate and
 *       was not published</td></tr>
 * </table>
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int INTERNAL = 1;
    public static final int CONFIG = 2;
    public static final int DATA = 3;
    public static final int STORAGE = 4;
    public static final int TRAINING = 5;
    public static final int VERIFY = 6;

    /** The exit codes as every job command's help shows them. */
    public static final String FOOTER_HEADING = "%nExit codes:%n";

    public static final String FOOTER = "  0 success            1 internal error       2 bad command line or config%n"
            + "  3 bad data           4 storage failure      5 training failure%n"
            + "  6 verification failed or quality gate missed (nothing published)";

    private ExitCodes() {}
}
