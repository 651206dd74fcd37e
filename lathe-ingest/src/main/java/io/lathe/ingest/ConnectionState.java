package io.lathe.ingest;

/** Health of one connection to a device, broker or server. */
public enum ConnectionState {
    CONNECTING, CONNECTED, RECONNECTING, FAILED, STOPPED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
