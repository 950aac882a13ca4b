package io.distillery.jobs.config;

/** The job configuration is invalid; the message names the key and the value found. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
