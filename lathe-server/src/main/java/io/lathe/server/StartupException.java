package io.lathe.server;

/** Start-up could not complete; the message says what failed and how to fix it. Nothing is left running. */
public final class StartupException extends Exception {
    private final int exitCode;

    public StartupException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
