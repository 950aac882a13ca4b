package io.distillery.export;

import java.util.Arrays;
import java.util.List;

/** The formats a model is exported to, spelt as in {@code export.formats}, and the file each one writes. */
public enum ExportFormat {
    SAVEDMODEL("savedmodel", "saved_model.pb"),
    TFLITE("tflite", "model.tflite"),
    TFLITE_INT8("tflite-int8", "model_int8.tflite"),
    TFJS("tfjs", "tfjs/model.json");

    private final String key;
    private final String file;

    ExportFormat(String key, String file) {
        this.key = key;
        this.file = file;
    }

    public String key() {
        return key;
    }

    /** The file a reader opens, relative to the version's directory. */
    public String file() {
        return file;
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(ExportFormat::key).toList();
    }

    public static ExportFormat parse(String key) {
        for (ExportFormat f : values()) {
            if (f.key.equals(key)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + key + "'; expected one of " + keys());
    }
}
