package io.distillery.serve.inference;

import io.distillery.serve.status.ServingException;
import java.util.regex.Pattern;

/**
 * Which model names a request may carry: letters, digits, {@code .}, {@code _} and {@code -}, starting
 * with a letter or digit, at most 255 characters (the names a model repository accepts). So
 * {@code ..}, slashes, percent-escapes and control characters never reach a lookup or a log line.
 */
public final class ModelNames {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    private ModelNames() {}

    public static boolean isSafe(String name) {
        return name != null && SAFE.matcher(name).matches();
    }

    /** {@code name}, or INVALID_ARGUMENT without echoing an unsafe name. */
    public static String requireSafe(String name) throws ServingException {
        if (!isSafe(name)) {
            throw ServingException.invalid("invalid model name: names match " + SAFE.pattern()
                    + " (letters, digits, '.', '_', '-'; no '..' or '/')");
        }
        return name;
    }
}
