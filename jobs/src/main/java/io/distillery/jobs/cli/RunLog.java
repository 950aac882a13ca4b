package io.distillery.jobs.cli;

import io.distillery.jobs.pipeline.RunDirectory;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The full log of one {@code distillery} process: Spark's, Hadoop's and TensorFlow's own lines,
 * which would bury Distillery's progress on the terminal. {@code bin/distillery} sends the process's
 * native stderr and log4j's file appender to one file ({@value #FILE_PROPERTY}) and hands Java the
 * terminal's stderr as another descriptor ({@value #TERMINAL_PROPERTY}); a job command copies the
 * file into its run directory ({@code logs/}), and a failure names where it is. Without the launcher
 * (tests, spark-submit) both properties are absent and nothing changes.
 */
final class RunLog {
    static final String FILE_PROPERTY = "distillery.log.file";
    static final String TERMINAL_PROPERTY = "distillery.terminal";
    static final String DIR = "logs";

    /** The copy in the run directory, once a job command made one, and where it went. */
    private static volatile String copied;

    private static volatile RunDirectory copiedRun;
    private static volatile String copiedName;

    private RunLog() {}

    /**
     * Points {@code System.err} at the terminal (the descriptor number in {@value #TERMINAL_PROPERTY}),
     * when the launcher moved the process's stderr to the log. The inherited descriptor itself is used,
     * not a new open of {@code /proc/self/fd/N}: a new open of a redirected file would start at its
     * beginning and overwrite what stdout wrote there.
     */
    static void attachTerminal() {
        String terminal = System.getProperty(TERMINAL_PROPERTY);
        if (terminal == null || !terminal.matches("\\d+")) {
            return;
        }
        try {
            FileDescriptor fd = new FileDescriptor();
            // FileDescriptor has no public constructor from a number; bin/distillery opens java.io for this.
            Field number = FileDescriptor.class.getDeclaredField("fd");
            number.setAccessible(true);
            number.setInt(fd, Integer.parseInt(terminal));
            System.setErr(new PrintStream(new FileOutputStream(fd), true, StandardCharsets.UTF_8));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Keep stderr as it is: messages then go to the log, which is worse but loses nothing.
        }
    }

    /** The process's log file, if the launcher gave one. */
    static Path file() {
        String f = System.getProperty(FILE_PROPERTY);
        return f == null || f.isBlank() ? null : Path.of(f);
    }

    /** Copies the log so far into {@code <run>/logs/<command>-<UTC time>.log}; never fails the command. */
    static void copyInto(RunDirectory run, String command) {
        Path log = file();
        if (log == null || !Files.isRegularFile(log)) {
            return;
        }
        String name = DIR + "/" + command + "-"
                + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").format(ZonedDateTime.now(ZoneOffset.UTC)) + ".log";
        try {
            run.write(name, out -> Files.copy(log, out));
            copied = run.uri() + "/" + name;
            copiedRun = run;
            copiedName = name;
            // Tells the launcher the temporary file may go once the process ends.
            Files.writeString(Path.of(log + ".copied"), copied);
        } catch (IOException | RuntimeException e) {
            copied = null; // the temporary file is still there; where() names it
        }
    }

    /** Where the user finds the full log: the run directory's copy, else the launcher's file, else null. */
    static String where() {
        if (copied != null) {
            return copied;
        }
        Path log = file();
        return log == null ? null : log.toString();
    }

    /** Writes a stack trace into the log file (not the terminal); false if there is no log file. */
    static boolean logStackTrace(Throwable t) {
        Path log = file();
        if (log == null) {
            return false;
        }
        try (PrintWriter w = new PrintWriter(new FileOutputStream(log.toFile(), true), true, StandardCharsets.UTF_8)) {
            w.println("distillery: stack trace of the failure");
            t.printStackTrace(w);
        } catch (IOException e) {
            return false;
        }
        // The run directory's copy was made when the command ended, before the trace: copy again.
        RunDirectory run = copiedRun;
        if (run != null) {
            try {
                run.write(copiedName, out -> Files.copy(log, out));
            } catch (IOException | RuntimeException e) {
                copied = null; // point the user at the temporary file, which has the trace
                try {
                    Files.deleteIfExists(Path.of(log + ".copied"));
                } catch (IOException ignored) {
                    // the launcher then deletes the log; the message already names it
                }
            }
        }
        return true;
    }
}
