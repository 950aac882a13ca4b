package org.tensorflow;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetTarget;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;

/**
 * Opens a {@link Session} whose master is a TensorFlow server ({@code grpc://host:port}) instead of
 * the in-process runtime. TF Java 1.1.0 has no public way to set a session's target: this helper
 * lives in package {@code org.tensorflow} to reach the package-private {@code Session(Graph,
 * TF_Session)} constructor, and sets the target with the C API's {@code TF_SetTarget}.
 *
 * <p>The session is returned initialized (every initializer registered in the graph has run), since
 * the wrapping constructor turns auto-initialization off.
 */
public final class TargetedSessions {
    private TargetedSessions() {}

    /**
     * @param target e.g. {@code grpc://127.0.0.1:41234}, the address of a started {@link Server}
     * @param config the session's configuration (device filters, timeouts, collective leader)
     */
    public static Session open(Graph graph, String target, ConfigProto config) {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("session target must be set, e.g. grpc://127.0.0.1:<port>");
        }
        TF_Session handle;
        try (Graph.Reference ref = graph.ref();
                PointerScope scope = new PointerScope()) {
            TF_Status status = TF_Status.newStatus();
            TF_SessionOptions options = TF_SessionOptions.newSessionOptions();
            if (config != null) {
                BytePointer bytes = new BytePointer(config.toByteArray());
                TF_SetConfig(options, bytes, bytes.capacity(), status);
                status.throwExceptionIfNotOK();
            }
            TF_SetTarget(options, target);
            TF_Session created = TF_Session.newSession(ref.nativeHandle(), options, status);
            status.throwExceptionIfNotOK();
            // Survives the pointer scope; Session.close() releases this reference.
            handle = created.retainReference();
        }
        Session session = new Session(graph, handle);
        try {
            session.initialize();
            return session;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }
}
