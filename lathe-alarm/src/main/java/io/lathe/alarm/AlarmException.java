package io.lathe.alarm;

/** An operator action that the alarm's state or the request does not allow; {@link #code()} says which. */
public final class AlarmException extends RuntimeException {
    /** What went wrong: the API maps each to a status. */
    public enum Code {
        /** No such alarm or rule (404). */
        NOT_FOUND,
        /** The action does not apply in the alarm's state, for example acknowledging a normal alarm (409). */
        INVALID_STATE,
        /** A field is missing or out of range, for example a shelve without a reason (400). */
        INVALID_REQUEST
    }

    private final Code code;

    public AlarmException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
