package io.distillery.jobs.faults;

import java.nio.file.Path;
import java.time.Duration;

/** A serving fault: a request the server must refuse, or a broken version it must not load. */
public sealed interface ServingCase permits ServingCase.BadRequest, ServingCase.BrokenVersion {
    String name();

    /** Twice this is the most the case may take. */
    Duration timeout();

    /**
     * A request refused with {@code status} and a body of exactly {@code {"error": "..."}} holding
     * {@code fragment}; the server then still answers a good request.
     */
    record BadRequest(String name, int status, String fragment, Duration timeout, Request request)
            implements ServingCase {}

    /**
     * A broken numbered directory planted beside version 1 of the served model: it is never loaded
     * (version 1 keeps answering), and the status API or the server's log names {@code fragment}.
     */
    record BrokenVersion(String name, long version, String fragment, Duration timeout, Plant plant)
            implements ServingCase {}

    /** Sends the bad request. */
    @FunctionalInterface
    interface Request {
        ServingClient.Answer send(ServingClient client) throws Exception;
    }

    /** Breaks something in the served model's directory ({@code <base>/<name>}). */
    @FunctionalInterface
    interface Plant {
        void into(Path model) throws Exception;
    }
}
