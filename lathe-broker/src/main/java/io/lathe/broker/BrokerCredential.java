package io.lathe.broker;

import java.util.Objects;

/**
 * A user name and password for the embedded broker. {@link #toString()} masks the password, so the credential may
 * appear in logs and configuration dumps.
 */
public record BrokerCredential(String username, String password) {
    public BrokerCredential {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "BrokerCredential[username=" + username + ", password=****]";
    }
}
