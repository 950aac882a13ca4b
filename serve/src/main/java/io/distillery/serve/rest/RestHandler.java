package io.distillery.serve.rest;

import io.distillery.serve.inference.InferenceService;
import io.distillery.serve.inference.PredictCall;
import io.distillery.serve.inference.PredictResult;
import io.distillery.serve.metrics.ServeMetrics;
import io.distillery.serve.status.ServingException;
import io.distillery.serve.status.ServingStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Answers TF Serving's REST API and {@code /metrics}. Runs on Jetty's request threads and may block
 * (reading the body, waiting for a batch). Every answer but the metrics is JSON; every failure is
 * {@code {"error": "..."}} with the status TF Serving gives it; an unexpected failure is logged here
 * and answered 500 without details.
 */
public final class RestHandler extends Handler.Abstract {
    private static final System.Logger LOG = System.getLogger(RestHandler.class.getName());
    static final String JSON = "application/json";
    /** Tells the client which version answered (TF Serving's REST predict body does not say). */
    public static final String VERSION_HEADER = "X-Model-Version";

    private final InferenceService service;
    private final ServeMetrics metrics;
    private final long maxBodyBytes;

    public RestHandler(InferenceService service, ServeMetrics metrics, long maxBodyBytes) {
        this.service = Objects.requireNonNull(service, "service");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long started = System.nanoTime();
        String method = "unknown";
        Reply reply;
        try {
            RestRoute route =
                    RestRoute.parse(request.getMethod(), request.getHttpURI().getPath());
            method = route.kind().metricName();
            reply = answer(route, request);
        } catch (ServingException e) {
            reply = Reply.error(e.status(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "REST " + RestRoute.printable(request.getMethod()) + " "
                            + RestRoute.printable(request.getHttpURI().getPath()) + " failed",
                    e);
            reply = Reply.error(ServingStatus.INTERNAL, "internal server error; the server log has the details");
        }
        metrics.request(
                "rest",
                method,
                System.nanoTime() - started,
                reply.status == 200 ? null : Integer.toString(reply.status));
        response.setStatus(reply.status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType);
        if (reply.version != null) {
            response.getHeaders().put(VERSION_HEADER, reply.version);
        }
        response.write(true, ByteBuffer.wrap(reply.body), callback);
        return true;
    }

    private Reply answer(RestRoute route, Request request) throws ServingException {
        return switch (route.kind()) {
            case METRICS -> new Reply(200, metrics.contentType(), metrics.scrape(), null);
            case STATUS -> Reply.json(ModelJson.status(service.status(route.modelName(), route.version())), null);
            case METADATA -> Reply.json(ModelJson.metadata(service.metadata(route.modelName(), route.version())), null);
            case PREDICT -> {
                PredictRequestJson body = PredictRequestJson.parse(readBody(request));
                PredictResult result = service.predict(new PredictCall(
                        route.modelName(), route.version(), body.signatureName(), body.inputs(), List.of()));
                yield Reply.json(PredictResponseJson.write(result, body.format()), Long.toString(result.version()));
            }
        };
    }

    /** The whole body, refused with 413 past the limit (by Content-Length before reading, else while reading). */
    private byte[] readBody(Request request) throws ServingException {
        long declared = request.getLength();
        if (declared > maxBodyBytes) {
            throw tooLarge(declared + " bytes");
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] body = in.readNBytes((int) maxBodyBytes + 1);
            if (body.length > maxBodyBytes) {
                throw tooLarge("more");
            }
            return body;
        } catch (IOException e) {
            throw ServingException.invalid(
                    "reading the request body failed: " + e.getClass().getSimpleName());
        }
    }

    private ServingException tooLarge(String found) {
        return new ServingException(
                ServingStatus.PAYLOAD_TOO_LARGE,
                "the request body is over this server's limit of " + maxBodyBytes + " bytes (found " + found
                        + "); send fewer instances per request");
    }

    /** What to send back. */
    private record Reply(int status, String contentType, byte[] body, String version) {
        static Reply json(byte[] body, String version) {
            return new Reply(200, JSON, body, version);
        }

        static Reply error(ServingStatus status, String message) {
            return new Reply(status.httpStatus(), JSON, ModelJson.error(message), null);
        }
    }
}
