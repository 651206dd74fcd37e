package io.lathe.server.kpi;

/** KpiCommandTest's plant and KPI configuration, for tests in other packages. */
public final class KpiCommandTestConfig {
    public static final String CONFIG = KpiCommandTest.CONFIG;
    public static final String MACHINE = KpiCommandTest.MACHINE;

    private KpiCommandTestConfig() {
    }
}
