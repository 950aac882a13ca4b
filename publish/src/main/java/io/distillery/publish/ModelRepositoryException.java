package io.distillery.publish;

import java.io.IOException;

/**
 * A publish, list or verify failed. The message names the repository, the version or file and the
 * step, and never contains a secret; the cause chain is the original one, or a masked copy of it
 * (same classes named, same stack traces) when an original message held a secret.
 */
public class ModelRepositoryException extends IOException {

    private static final long serialVersionUID = 1L;

    public ModelRepositoryException(String message) {
        super(message);
    }

    public ModelRepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
