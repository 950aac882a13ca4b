package io.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.serve.inference.RequestLimits;
import java.net.URI;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Options fail where they are built, naming the field and the value found. */
class ServeOptionsTest {

    @Test
    void defaultsFollowTfServing() {
        ServeOptions options = ServeOptions.of(URI.create("hdfs://nn:8020/models/fashion/"));

        assertEquals("fashion", options.modelName());
        assertEquals(8501, options.endpoints().restPort());
        assertEquals(OptionalInt.empty(), options.endpoints().grpcPort());
        assertEquals("latest", options.policy().toString());
    }

    @Test
    void badValuesAreRefusedWithTheValueFound() {
        URI uri = URI.create("file:///models/fashion");
        assertMessage("credentials in URIs", () -> ServeOptions.of(URI.create("s3a://key:secret@bucket/models/m")));
        assertMessage("found '../etc'", () -> ServeOptions.of(uri).withModelName("../etc"));
        assertMessage("found PT0.01S", () -> ServeOptions.of(uri).withPollInterval(Duration.ofMillis(10)));
        assertMessage("found 70000", () -> new Endpoints("0.0.0.0", 70000, OptionalInt.empty()));
        assertMessage("found 8501 for both", () -> new Endpoints("0.0.0.0", 8501, OptionalInt.of(8501)));
        assertMessage("found 0", () -> new RequestLimits(1 << 20, 0, Duration.ofSeconds(1)));
        assertMessage("found 10 bytes", () -> new RequestLimits(10, 1, Duration.ofSeconds(1)));
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }
}
