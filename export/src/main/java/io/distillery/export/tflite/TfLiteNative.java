package io.distillery.export.tflite;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads the TFLite JNI library that {@code ai.djl.tflite:tflite-native-cpu} ships as a jar resource
 * ({@code native/lib/libtensorflowlite_jni.so}, TFLite 2.6.2): extracted to a temporary file once per
 * JVM, then {@link System#load}. The {@code org.tensorflow.lite.Interpreter} classes expect it loaded.
 */
final class TfLiteNative {
    static final String RESOURCE = "native/lib/libtensorflowlite_jni.so";
    private static boolean loaded;

    private TfLiteNative() {}

    static synchronized void load() {
        if (loaded) {
            return;
        }
        try (InputStream in = TfLiteNative.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("TFLite runtime: expected " + RESOURCE
                        + " on the classpath, found none; add" + " ai.djl.tflite:tflite-native-cpu:2.6.2:linux-x86_64");
            }
            Path file = Files.createTempFile("libtensorflowlite_jni-", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            System.load(file.toAbsolutePath().toString());
            loaded = true;
        } catch (IOException e) {
            throw new UncheckedIOException("TFLite runtime: could not extract " + RESOURCE, e);
        }
    }
}
