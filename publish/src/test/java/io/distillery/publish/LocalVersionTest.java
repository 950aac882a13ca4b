package io.distillery.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalVersionTest {

    @TempDir
    Path dir;

    @Test
    void hashesEveryFileInPathOrderWithGoldenValues() throws Exception {
        Files.createDirectories(dir.resolve("variables"));
        Files.writeString(dir.resolve("saved_model.pb"), "test", StandardCharsets.US_ASCII);
        Files.write(dir.resolve("variables/variables.index"), new byte[0]);

        LocalVersion local = LocalVersion.scan(dir);

        // sha256("test") and sha256("") are the well-known test vectors; a gzip member is at least 20 bytes.
        assertEquals(
                List.of(
                        new ManifestFile(
                                "saved_model.pb",
                                4,
                                TestExports.gzipSize("test".getBytes(StandardCharsets.US_ASCII)),
                                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
                        new ManifestFile(
                                "variables/variables.index",
                                0,
                                20,
                                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")),
                local.entries());
    }

    @Test
    void refusesAnExportThatCarriesItsOwnManifestOrAClaimName() throws Exception {
        Files.writeString(dir.resolve("manifest.json"), "{}");
        ModelRepositoryException manifest = assertThrows(ModelRepositoryException.class, () -> LocalVersion.scan(dir));
        assertTrue(manifest.getMessage().contains("already holds manifest.json"), manifest.getMessage());

        Files.delete(dir.resolve("manifest.json"));
        Files.writeString(dir.resolve("_publishing-x-0123456789abcdef"), "x");
        ModelRepositoryException claim = assertThrows(ModelRepositoryException.class, () -> LocalVersion.scan(dir));
        assertTrue(claim.getMessage().contains("reserved for publisher claims"), claim.getMessage());
    }

    @Test
    void claimNamesCarryTheirRunId() {
        String claim = RepositoryLayout.claimName("run-2025-01-02.a");
        assertTrue(RepositoryLayout.isClaim(claim), claim);
        assertEquals("run-2025-01-02.a", RepositoryLayout.claimRunId(claim));
        assertTrue(RepositoryLayout.isStaging(RepositoryLayout.stagingName("r")));
        assertEquals(7L, RepositoryLayout.version("7").orElseThrow());
        assertTrue(RepositoryLayout.version("_staging-7").isEmpty());
        assertTrue(RepositoryLayout.version("7a").isEmpty());
    }
}
