package io.distillery.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both local-disk renames move a directory once and refuse to touch an existing target. */
class DirectoryRenameTest {

    @TempDir
    java.nio.file.Path dir;

    @Test
    void posixRenameRefusesAnExistingVersion() throws Exception {
        check(new DirectoryRename.LocalRename());
    }

    @Test
    void fileContextRenameRefusesAnExistingVersion() throws Exception {
        check(new DirectoryRename.FileContextRename(FileContext.getLocalFSFileContext(new Configuration())));
    }

    private void check(DirectoryRename rename) throws Exception {
        java.nio.file.Path first = stage("_staging-a", "first");
        java.nio.file.Path second = stage("_staging-b", "second");
        java.nio.file.Path target = dir.resolve("1");

        assertTrue(rename.renameIfAbsent(path(first), path(target)));
        assertFalse(rename.renameIfAbsent(path(second), path(target)), "the target exists: the rename must refuse");

        assertEquals("first", Files.readString(target.resolve("saved_model.pb"), StandardCharsets.UTF_8));
        assertEquals(List.of("saved_model.pb"), names(target), "nothing moved into the existing version");
        assertEquals("second", Files.readString(second.resolve("saved_model.pb"), StandardCharsets.UTF_8));
    }

    private java.nio.file.Path stage(String name, String content) throws Exception {
        java.nio.file.Path staging = Files.createDirectories(dir.resolve(name));
        Files.writeString(staging.resolve("saved_model.pb"), content, StandardCharsets.UTF_8);
        return staging;
    }

    private static Path path(java.nio.file.Path local) {
        return new Path(local.toUri());
    }

    private static List<String> names(java.nio.file.Path local) throws Exception {
        try (var files = Files.list(local)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
