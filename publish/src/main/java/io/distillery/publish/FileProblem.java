package io.distillery.publish;

import java.util.Objects;

/**
 * One disagreement between a version directory and its manifest.
 *
 * @param path     the file, relative to the version directory ({@code variables/variables.index})
 * @param expected what the manifest says (or what the layout requires)
 * @param found    what the store holds
 */
public record FileProblem(String path, String expected, String found) {

    public FileProblem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(found, "found");
    }

    @Override
    public String toString() {
        return path + ": expected " + expected + ", found " + found;
    }
}
