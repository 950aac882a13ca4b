package io.distillery.jobs.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of what a run writes down: the config in {@code config.yaml}, manifests and
 * reports. A secret is the value of a sensitive key anywhere in the config (in practice
 * {@code spark.conf}: {@code spark.hadoop.fs.s3a.secret.key}, {@code ...access.key},
 * {@code ...session.token}, passwords, credentials), or the user-info of a URI.
 */
public final class Secrets {
    /** What a secret value is replaced with. */
    public static final String MASK = "<redacted>";

    /** Key names that hold secrets (case-insensitive, anywhere in the key). */
    private static final Pattern SENSITIVE = Pattern.compile(
            "(?i)(secret|passw(or)?d|token|credential|access[._-]?key|encryption[._-]?key|account[._-]?key"
                    + "|private[._-]?key|signature)");
    /**
     * Settings whose names look sensitive but that name a class, a file, a switch or (a brought teacher's
     * signature key) a SavedModel's entry point, not a secret.
     */
    private static final Pattern NOT_A_VALUE = Pattern.compile(
            "(?i)([.](provider|providers|provider[.]path|binding|enabled|algorithm|type|class|saved_model[.]signature))$");
    /** {@code scheme://user-info@}: credentials in a URI. */
    private static final Pattern USER_INFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@?#]+)@");

    private Secrets() {}

    /** Whether the value of {@code key} is a secret (e.g. {@code spark.hadoop.fs.s3a.secret.key}). */
    public static boolean isSensitiveKey(String key) {
        return key != null
                && SENSITIVE.matcher(key).find()
                && !NOT_A_VALUE.matcher(key).find();
    }

    /** {@code uri} with its user-info (if any) replaced by {@value #MASK}. */
    public static String maskUserInfo(String uri) {
        if (uri == null) {
            return null;
        }
        Matcher m = USER_INFO.matcher(uri);
        return m.find() ? m.group(1) + MASK + "@" + uri.substring(m.end()) : uri;
    }

    /** Whether {@code uri} carries user-info ({@code s3a://KEY:SECRET@bucket/...}). */
    public static boolean hasUserInfo(String uri) {
        return uri != null && USER_INFO.matcher(uri).find();
    }

    /**
     * A deep copy of a config tree in which every sensitive key's value is {@value #MASK} and every
     * URI's user-info is masked: what manifests and reports show.
     */
    public static Map<String, Object> masked(Map<String, Object> tree) {
        return copy(tree, true, new ArrayList<>(), "");
    }

    /**
     * A deep copy of a config tree without the sensitive keys (URIs' user-info masked), and the dotted
     * names of the keys it left out: what {@code config.yaml} holds. Leaving the keys out (rather than
     * masking them) means a config read back from the run directory takes its secrets from where
     * they really live (credential providers, the environment, {@code --set}) instead of a mask.
     */
    public static Map<String, Object> withoutSecrets(Map<String, Object> tree, List<String> removed) {
        return copy(tree, false, removed, "");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> copy(
            Map<String, Object> tree, boolean mask, List<String> removed, String prefix) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            if (isSensitiveKey(prefix + key) && value != null && !(value instanceof Map)) {
                if (mask) {
                    out.put(key, MASK);
                } else {
                    removed.add(prefix + key);
                }
            } else if (value instanceof Map<?, ?> child) {
                out.put(key, copy((Map<String, Object>) child, mask, removed, prefix + key + "."));
            } else if (value instanceof List<?> list) {
                List<Object> items = new ArrayList<>();
                for (Object item : list) {
                    items.add(item instanceof String s ? maskUserInfo(s) : item);
                }
                out.put(key, items);
            } else if (value instanceof String s) {
                out.put(key, maskUserInfo(s));
            } else {
                out.put(key, value);
            }
        }
        return out;
    }

    /** Refuses a path with credentials in it; the message shows it masked. */
    static void requireNoUserInfo(String key, String uri) {
        if (hasUserInfo(uri)) {
            throw new ConfigException(
                    key + ": " + maskUserInfo(uri) + " carries credentials in the URI; they are refused because URIs"
                            + " end up in logs and records. Give them through Hadoop's credential providers (environment,"
                            + " credential file, instance role) or spark.conf spark.hadoop.fs.s3a.* settings");
        }
    }

    /** Every path of a config is free of credentials. */
    static void requireNoUserInfo(JobConfig config) {
        requireNoUserInfo("run_dir", config.runDir());
        requireNoUserInfo("data.train", config.data().train());
        requireNoUserInfo("data.test", config.data().test());
        requireNoUserInfo("publish.base_path", config.publish().basePath());
    }
}
