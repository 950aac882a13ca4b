package io.distillery.publish;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;

/**
 * An atomic directory rename that refuses to replace an existing target. {@code FileSystem.rename}
 * cannot be used: on HDFS it moves the source INTO an existing target directory, and on the local file
 * system it falls back to copy-and-delete when the target exists.
 */
sealed interface DirectoryRename
        permits DirectoryRename.LocalRename, DirectoryRename.HdfsRename, DirectoryRename.FileContextRename {

    /**
     * Renames {@code source} to {@code target} in one step.
     *
     * @return {@code false} when {@code target} already exists (another publisher took it)
     */
    boolean renameIfAbsent(Path source, Path target) throws IOException;

    /** POSIX rename(2) through NIO; it fails on a non-empty target directory. */
    final class LocalRename implements DirectoryRename {
        @Override
        public boolean renameIfAbsent(Path source, Path target) throws IOException {
            java.nio.file.Path from = java.nio.file.Path.of(source.toUri());
            java.nio.file.Path to = java.nio.file.Path.of(target.toUri());
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                return false;
            } catch (FileSystemException e) {
                if (Files.exists(to)) {
                    return false;
                }
                throw e;
            }
        }
    }

    /** HDFS {@code rename2} with {@code Rename.NONE}: one NameNode operation that fails if the target exists. */
    record HdfsRename(DistributedFileSystem fs) implements DirectoryRename {
        @Override
        public boolean renameIfAbsent(Path source, Path target) throws IOException {
            try {
                fs.rename(source, target, Options.Rename.NONE);
                return true;
            } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
                return false;
            }
        }
    }

    /**
     * {@code FileContext.rename(..., Rename.NONE)} for other stores: as atomic as the store's own
     * rename with overwrite refused.
     */
    record FileContextRename(FileContext context) implements DirectoryRename {
        @Override
        public boolean renameIfAbsent(Path source, Path target) throws IOException {
            try {
                context.rename(source, target, Options.Rename.NONE);
                return true;
            } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
                return false;
            }
        }
    }
}
