package io.lathe.store.internal;

/** Stored bytes do not decode: a damaged file or a bug. Carries where in the data it happened. */
public final class CorruptDataException extends RuntimeException {
    public CorruptDataException(String message) {
        super(message);
    }
}
