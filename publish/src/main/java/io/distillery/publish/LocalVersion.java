package io.distillery.publish;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The exported files of one version on the local disk, with their manifest entries.
 *
 * @param root  the local version directory
 * @param files every regular file under it, in path order
 */
record LocalVersion(Path root, List<LocalFile> files) {

    /**
     * One local file and what the manifest will say about it.
     *
     * @param source the file on disk
     * @param entry  its relative path, size, gzip size and sha256
     */
    record LocalFile(Path source, ManifestFile entry) {
        LocalFile {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(entry, "entry");
        }
    }

    LocalVersion {
        Objects.requireNonNull(root, "root");
        files = List.copyOf(files);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("local version directory " + root + " holds no files;"
                    + " expected the exported model (saved_model.pb, variables/...)");
        }
    }

    /** Walks {@code dir}, hashing every regular file (symbolic links are followed). */
    static LocalVersion scan(Path dir) throws IOException {
        Objects.requireNonNull(dir, "localVersionDir");
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new ModelRepositoryException("local version directory " + root + " "
                    + (Files.exists(root, LinkOption.NOFOLLOW_LINKS) ? "is not a directory" : "does not exist")
                    + "; expected a directory holding the exported model (saved_model.pb, variables/...)");
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.filter(Files::isRegularFile)
                    .sorted(Comparator.comparing(p -> relative(root, p)))
                    .toList();
        }
        List<LocalFile> files = new ArrayList<>(paths.size());
        for (Path path : paths) {
            String relative = relative(root, path);
            if (relative.equals(Manifest.FILE_NAME)) {
                throw new ModelRepositoryException("local version directory " + root + " already holds "
                        + Manifest.FILE_NAME + "; publish writes it, remove it from the export");
            }
            if (relative.startsWith(RepositoryLayout.CLAIM_PREFIX)) {
                throw new ModelRepositoryException("local file " + path + " starts with '"
                        + RepositoryLayout.CLAIM_PREFIX + "', a name reserved for publisher claims; rename it");
            }
            try {
                ManifestFile.requireRelativePath(relative);
            } catch (IllegalArgumentException e) {
                throw new ModelRepositoryException("local file " + path + " cannot be published: " + e.getMessage());
            }
            FileDigest digest;
            try (InputStream in = Files.newInputStream(path)) {
                digest = FileDigest.withGzipSize(in);
            }
            files.add(
                    new LocalFile(path, new ManifestFile(relative, digest.size(), digest.gzipSize(), digest.sha256())));
        }
        if (files.isEmpty()) {
            throw new ModelRepositoryException("local version directory " + root + " holds no files;"
                    + " expected the exported model (saved_model.pb, variables/...)");
        }
        return new LocalVersion(root, files);
    }

    List<ManifestFile> entries() {
        return files.stream().map(LocalFile::entry).toList();
    }

    private static String relative(Path root, Path file) {
        return StreamSupport.stream(root.relativize(file).spliterator(), false)
                .map(Path::toString)
                .collect(Collectors.joining("/"));
    }
}
