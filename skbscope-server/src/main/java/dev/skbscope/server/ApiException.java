package dev.skbscope.server;

/**
 * A request the server refuses, with the HTTP status and a message for the client. Immutable;
 * thrown on request threads and turned into {@code {"error": message}} by the REST layer.
 */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() { return status; }

    /** 400: the named field (or the body) is wrong. */
    public static ApiException badRequest(String message) { return new ApiException(400, message); }

    public static ApiException notFound(String message) { return new ApiException(404, message); }

    public static ApiException conflict(String message) { return new ApiException(409, message); }
}
