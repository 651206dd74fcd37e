package io.lathe.simulator.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Finds a free TCP port for servers that cannot bind port 0 and report the port they got. */
public final class FreePort {
    private FreePort() {}

    /** A port that was free on {@code host} a moment ago; another program may still take it before it is bound. */
    public static int find(String host) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free TCP port [host=" + host + "]: " + e.getMessage() + ". Check the host address.", e);
        }
    }
}
