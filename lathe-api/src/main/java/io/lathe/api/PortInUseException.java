package io.lathe.api;

/**
 * The API could not bind its port because another process (or another Lathe) holds it. Nothing is left running.
 */
public final class PortInUseException extends Exception {
    private final String host;
    private final int port;

    public PortInUseException(String host, int port, Throwable cause) {
        super("HTTP API could not start [host=" + host + ", port=" + port + "]: the port is already in use. "
                + "Stop the other process or set server.http-port (--http-port) to a free port; 0 picks one.", cause);
        this.host = host;
        this.port = port;
    }

    public PortInUseException(int port) {
        this("0.0.0.0", port, null);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }
}
