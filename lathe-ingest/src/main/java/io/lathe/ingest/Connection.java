package io.lathe.ingest;

/** A source of points: a Sparkplug host, an OPC UA client, a Modbus poller. */
public interface Connection extends AutoCloseable {

    /** The name from the configuration, unique among connections. */
    String name();

    /** Connects and keeps reconnecting in the background; never blocks for long and never throws for a down peer. */
    void start();

    ConnectionStatus status();

    @Override
    void close();
}
