package io.distillery.jobs.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

/** Versions of the software that made a model, for its manifest. */
public final class Versions {
    private Versions() {}

    public static String distillery() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    public static Map<String, String> all(String sparkVersion) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("distillery", distillery());
        v.put("tensorflow", org.tensorflow.TensorFlow.version());
        v.put("spark", sparkVersion);
        v.put("java", System.getProperty("java.version"));
        return v;
    }
}
