package io.lathe.broker;

/** The broker's port is taken by another process and falling back to a free port was not allowed. */
public final class BrokerPortInUseException extends Exception {
    private final int port;

    public BrokerPortInUseException(String bindAddress, int port) {
        super("embedded MQTT broker cannot listen [address=" + bindAddress + ", port=" + port + "]: the port is in use. "
                + "Stop the other process, choose another broker port, or allow falling back to a free port.");
        this.port = port;
    }

    /** The port that was requested and found taken. */
    public int port() {
        return port;
    }
}
