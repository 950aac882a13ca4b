package io.distillery.publish;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.ConfigRedactor;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;

/**
 * Keeps secrets out of messages: knows the values of the sensitive keys of one Hadoop configuration
 * and masks them in any text or exception chain.
 */
final class Redactor {

    static final String MASK = "<redacted>";

    /** Keys Hadoop's own list ({@code hadoop.security.sensitive-config-keys}) does not cover. */
    private static final Pattern EXTRA_SENSITIVE =
            Pattern.compile("(\\.secret\\.key|\\.session\\.token|\\.access\\.key|\\.encryption\\.key)$");
    /** Shorter values would mask ordinary words; no real secret is this short. */
    private static final int MIN_SECRET_LENGTH = 4;

    /** Secret value to the configuration key it came from, longest first. */
    private final Map<String, String> secrets;

    private Redactor(Map<String, String> secrets) {
        this.secrets = secrets;
    }

    static Redactor of(Configuration conf) {
        ConfigRedactor hadoop = new ConfigRedactor(conf);
        Map<String, String> found = new TreeMap<>(
                (a, b) -> a.length() != b.length() ? Integer.compare(b.length(), a.length()) : a.compareTo(b));
        for (Map.Entry<String, String> entry : conf) {
            String key = entry.getKey();
            String raw = entry.getValue();
            boolean sensitive = EXTRA_SENSITIVE.matcher(key).find() || !Objects.equals(hadoop.redact(key, raw), raw);
            if (sensitive) {
                add(found, raw, key);
                add(found, conf.get(key), key);
                try {
                    char[] password = conf.getPassword(key);
                    if (password != null) {
                        add(found, new String(password), key);
                    }
                } catch (IOException e) {
                    // A broken credential provider: the plain value above is all we can know.
                }
            }
        }
        return new Redactor(Collections.unmodifiableMap(new LinkedHashMap<>(found)));
    }

    /** {@code uri} without user-info (query and fragment kept). */
    static URI withoutUserInfo(URI uri) {
        if (uri.getRawUserInfo() == null) {
            return uri;
        }
        try {
            return new URI(
                    uri.getScheme(),
                    null,
                    uri.getHost(),
                    uri.getPort(),
                    uri.getPath(),
                    uri.getQuery(),
                    uri.getFragment());
        } catch (URISyntaxException e) {
            return URI.create(uri.getScheme() + ":" + MASK);
        }
    }

    /** {@code text} with every known secret replaced by {@value #MASK}. */
    String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : secrets.keySet()) {
            out = out.replace(secret, MASK);
        }
        return out;
    }

    /** The configuration key whose secret value occurs in {@code text}, if any. */
    Optional<String> secretKeyIn(String text) {
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            if (text.contains(secret.getKey())) {
                return Optional.of(secret.getValue());
            }
        }
        return Optional.empty();
    }

    /**
     * The exception to throw for a failed operation: {@code context} plus what failed, masked; the
     * cause is {@code failure} itself when no message in its chain holds a secret, else a masked copy.
     */
    ModelRepositoryException failure(String context, Throwable failure) {
        // Hadoop's local file system wraps a full or failing disk's IOException in an FSError.
        Throwable reason = failure instanceof FSError && failure.getCause() != null ? failure.getCause() : failure;
        String what = reason instanceof ModelRepositoryException
                ? reason.getMessage()
                : reason.getClass().getSimpleName() + ": " + Messages.firstLine(reason.getMessage());
        return new ModelRepositoryException(redact(context + ": " + what), scrub(failure));
    }

    /** {@code failure} unchanged if its chain is clean, otherwise a copy with masked messages. */
    Throwable scrub(Throwable failure) {
        if (!holdsSecret(failure, Collections.newSetFromMap(new IdentityHashMap<>()))) {
            return failure;
        }
        return copy(failure, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private boolean holdsSecret(Throwable t, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return false;
        }
        String text = t.toString();
        if (secretKeyIn(text).isPresent()) {
            return true;
        }
        for (Throwable suppressed : t.getSuppressed()) {
            if (holdsSecret(suppressed, seen)) {
                return true;
            }
        }
        return holdsSecret(t.getCause(), seen);
    }

    private Throwable copy(Throwable t, Set<Throwable> seen) {
        seen.add(t);
        MaskedException copy = new MaskedException(t.getClass().getName(), redact(t.getMessage()));
        copy.setStackTrace(t.getStackTrace());
        Throwable cause = t.getCause();
        if (cause != null && !seen.contains(cause)) {
            copy.initCause(copy(cause, seen));
        }
        for (Throwable suppressed : t.getSuppressed()) {
            if (!seen.contains(suppressed)) {
                copy.addSuppressed(copy(suppressed, seen));
            }
        }
        return copy;
    }

    private static void add(Map<String, String> found, String value, String key) {
        if (value != null && value.length() >= MIN_SECRET_LENGTH) {
            found.putIfAbsent(value, key);
        }
    }

    /** Stands in for an exception whose message held a secret; prints the original class name. */
    static final class MaskedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String originalClass;

        MaskedException(String originalClass, String maskedMessage) {
            super(maskedMessage);
            this.originalClass = originalClass;
        }

        @Override
        public String toString() {
            String message = getMessage();
            return originalClass + " (message masked)" + (message == null ? "" : ": " + message);
        }
    }
}
