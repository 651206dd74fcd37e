package io.lathe.server.cli;

import picocli.CommandLine;

public final class Version implements CommandLine.IVersionProvider {
    public static String version() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"Lathe " + version(), "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
    }
}
