package io.distillery.serve.rest;

import io.distillery.serve.inference.ModelNames;
import io.distillery.serve.status.ServingException;
import io.distillery.serve.status.ServingStatus;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A parsed REST URL:
 * {@code /v1/models/{name}[/versions/{v}|/labels/{l}][/metadata|:predict|:classify|:regress]} or
 * {@code /metrics}. Parsed from the raw path as received, before any normalization, so {@code ..} or
 * an escaped character in the model name is refused rather than resolved.
 *
 * @param kind      what is asked
 * @param modelName the model, empty for {@code /metrics}
 * @param version   the version in the URL, if any
 */
public record RestRoute(Kind kind, String modelName, OptionalLong version) {

    private static final String PREFIX = "/v1/models/";
    private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");

    /** The endpoints, with the name each has in the metrics. */
    public enum Kind {
        STATUS("status", "GET"),
        METADATA("metadata", "GET"),
        PREDICT("predict", "POST"),
        METRICS("metrics", "GET");

        private final String metricName;
        private final String httpMethod;

        Kind(String metricName, String httpMethod) {
            this.metricName = metricName;
            this.httpMethod = httpMethod;
        }

        public String metricName() {
            return metricName;
        }

        public String httpMethod() {
            return httpMethod;
        }
    }

    public RestRoute {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(version, "version");
    }

    /**
     * Parses {@code method} and the raw (still percent-encoded) {@code path}.
     *
     * @throws ServingException NOT_FOUND for an unknown route, INVALID_ARGUMENT for an unsafe model name
     *                          or a non-numeric version, METHOD_NOT_ALLOWED for the wrong HTTP method,
     *                          UNIMPLEMENTED for labels, {@code :classify} and {@code :regress}
     */
    public static RestRoute parse(String method, String path) throws ServingException {
        if ("/metrics".equals(path)) {
            return checked(method, new RestRoute(Kind.METRICS, "", OptionalLong.empty()));
        }
        if (path == null || !path.startsWith(PREFIX)) {
            throw malformed(method, path);
        }
        String rest = path.substring(PREFIX.length());
        String verb = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0 && rest.indexOf('/', colon) < 0) {
            verb = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String[] segments = rest.split("/", -1);
        String name = ModelNames.requireSafe(segments[0]);
        int next = 1;
        OptionalLong version = OptionalLong.empty();
        if (segments.length >= next + 2 && segments[next].equals("versions")) {
            if (!VERSION.matcher(segments[next + 1]).matches()) {
                throw ServingException.invalid("Malformed request: the version in the URL must be a number, e.g."
                        + " /v1/models/" + name + "/versions/2");
            }
            version = OptionalLong.of(Long.parseLong(segments[next + 1]));
            next += 2;
        } else if (segments.length >= next + 2 && segments[next].equals("labels")) {
            throw new ServingException(
                    ServingStatus.UNIMPLEMENTED,
                    "version labels are not supported by distillery" + " serve; name the version: /v1/models/" + name
                            + "/versions/{version}");
        }
        boolean metadata = false;
        if (segments.length == next + 1 && segments[next].equals("metadata")) {
            metadata = true;
            next++;
        }
        if (segments.length != next) {
            throw malformed(method, path);
        }
        if (verb != null) {
            if (metadata) {
                throw malformed(method, path);
            }
            return switch (verb) {
                case "predict" -> checked(method, new RestRoute(Kind.PREDICT, name, version));
                case "classify", "regress" ->
                    throw new ServingException(
                            ServingStatus.UNIMPLEMENTED,
                            ":" + verb
                                    + " needs a tensorflow/serving/" + verb
                                    + " signature; Distillery models export serving_default"
                                    + " (tensorflow/serving/predict): use :predict");
                default -> throw malformed(method, path);
            };
        }
        return checked(method, new RestRoute(metadata ? Kind.METADATA : Kind.STATUS, name, version));
    }

    private static RestRoute checked(String method, RestRoute route) throws ServingException {
        if (!route.kind.httpMethod.equals(method)) {
            throw new ServingException(
                    ServingStatus.METHOD_NOT_ALLOWED,
                    "Malformed request: " + route.kind.metricName + " takes " + route.kind.httpMethod + ", found "
                            + printable(method));
        }
        return route;
    }

    private static ServingException malformed(String method, String path) {
        return ServingException.notFound("Malformed request: " + printable(method) + " " + printable(path));
    }

    /** At most 120 printable ASCII characters of what the client sent, for echoing it safely. */
    static String printable(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 120; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return text.length() > 120 ? out + "..." : out.toString();
    }
}
