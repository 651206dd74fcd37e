package io.lathe.api.internal;

import java.util.List;

/**
 * A failure the API answers with its one JSON error shape ({@code code}, {@code message}, {@code errors}).
 * Thrown by handlers, rendered by the exception mapper in {@code ApiServer}.
 */
public final class ApiError extends RuntimeException {

    /** One failing input: which parameter, the offending value, and the rule it broke. */
    public record FieldError(String parameter, String value, String message) {}

    /** The response body. */
    public record Body(String code, String message, List<FieldError> errors) {}

    private final int status;
    private final String code;
    private final List<FieldError> errors;

    private ApiError(int status, String code, String message, List<FieldError> errors) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.errors = List.copyOf(errors);
    }

    public static ApiError notFound(String what, String id) {
        return new ApiError(404, "not_found", "unknown " + what + " [id=" + id + "]. List what exists with GET /api/assets.", List.of());
    }

    public static ApiError noValue(String signalId) {
        return new ApiError(404, "no_value", "signal has no value yet [signal=" + signalId + "]: nothing has been received for it since start.", List.of());
    }

    public static ApiError badRequest(String parameter, String value, String rule) {
        return new ApiError(400, "bad_request", "bad request parameter [" + parameter + "=" + value + "]: " + rule,
                List.of(new FieldError(parameter, value, rule)));
    }

    /** A 400 with every field problem of one request at once. */
    public static ApiError invalid(String message, List<FieldError> errors) {
        return new ApiError(400, "bad_request", message, errors);
    }

    public static ApiError of(int status, String code, String message) {
        return new ApiError(status, code, message, List.of());
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Body body() {
        return new Body(code, getMessage(), errors);
    }
}
