package io.distillery.serve.rest;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own errors (a URI it refuses, headers too large, a request it cannot parse) as
 * {@code {"error": "..."}} like every other answer, with Jetty's status and reason, never a stack
 * trace or an HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {

    JsonErrorHandler() {
        setShowStacks(false);
        setShowCauses(false);
    }

    @Override
    protected void generateResponse(
            Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, RestHandler.JSON);
        response.write(true, ByteBuffer.wrap(ModelJson.error(text(code, message))), callback);
    }

    private static String text(int code, String message) {
        String reason = HttpStatus.getMessage(code);
        if (message == null || message.isBlank() || message.equals(reason)) {
            return reason;
        }
        return reason + ": " + RestRoute.printable(message);
    }
}
