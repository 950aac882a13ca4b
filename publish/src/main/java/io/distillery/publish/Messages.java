package io.distillery.publish;

/** Exception messages as Distillery shows them: one line, the one that says what went wrong. */
public final class Messages {
    private Messages() {}

    /** The first line of {@code message}; {@code (no message)} for none. */
    public static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
