package io.lathe.auth;

/**
 * A freshly created API token: the only moment its secret exists outside the client. Show {@link #secret()} once,
 * then forget it; {@link #toString()} masks it.
 *
 * @param secret the whole token, {@code lathe_<prefix>_<43 base64url characters>}, sent as {@code Authorization:
 *               Bearer <secret>}
 */
public record IssuedToken(TokenInfo info, String secret) {
    @Override
    public String toString() {
        return "IssuedToken[info=" + info + ", secret=lathe_" + info.prefix() + "_***]";
    }
}
