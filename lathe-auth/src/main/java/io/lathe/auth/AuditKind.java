package io.lathe.auth;

/** What an audit entry is about; {@link #code()} is what the file and the API carry. */
public enum AuditKind {
    LOGIN("login"),
    LOGIN_FAILED("login.failed"),
    LOGOUT("logout"),
    PASSWORD_CHANGED("user.password"),
    USER_ADDED("user.added"),
    USER_REMOVED("user.removed"),
    USER_ROLES_CHANGED("user.roles"),
    TOKEN_CREATED("token.created"),
    TOKEN_REVOKED("token.revoked"),
    TOKEN_IMPORTED("token.imported"),
    DOWNTIME_REASON("downtime.reason"),
    /** An alarm acknowledged by a person (single or bulk); target the alarm id. */
    ACKNOWLEDGEMENT("acknowledgement"),
    /** Another alarm action by a person (shelve, unshelve, comment, reset, out-of-service, in-service); details name it. */
    ALARM_ACTION("alarm.action"),
    /** An alarm rule created, changed or deleted through the API; target the rule id. */
    ALARM_RULE("alarm.rule"),
    /** A machine health model fitted from history through the API; target the machine, details type, window, version. */
    MODEL_FIT("model.fit"),
    CONFIG_CHANGED("config.changed"),
    CONNECTION_CHANGED("connection.changed");

    private final String code;

    AuditKind(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** The kind with this code, or null. */
    public static AuditKind fromCode(String code) {
        for (AuditKind k : values()) if (k.code.equals(code)) return k;
        return null;
    }

    @Override
    public String toString() {
        return code;
    }
}
