package io.lathe.auth;

/**
 * The deprecated {@code server.ingest-token} setting, kept working as an API token with scope ingest.
 *
 * @param token              the token it became
 * @param created            true on the start that imported it (or a changed value), false when already imported
 * @param deprecationMessage what the server logs at every start while the setting is present (no secret in it)
 */
public record LegacyTokenImport(TokenInfo token, boolean created, String deprecationMessage) {}
