package io.distillery.core.train;

import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * Where one copy of the model trains: how its gradients are combined with the other copies' and which
 * session runs its graph. A single worker is {@link #LOCAL}; a data-parallel worker gets its replica
 * from {@link CollectiveWorker#replica()}.
 */
public record Replica(GradientReducer reducer, Function<Graph, Session> sessions) {
    /** One worker: gradients applied as computed, an in-process session. */
    public static final Replica LOCAL = new Replica(GradientReducer.LOCAL, Session::new);

    public Replica {
        if (reducer == null || sessions == null) {
            throw new IllegalArgumentException("a replica needs a reducer and a session factory");
        }
    }
}
