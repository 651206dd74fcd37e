package io.lathe.auth;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenID Connect single sign-on (authorization code flow with PKCE).
 *
 * @param issuer        the provider's issuer URL; its {@code /.well-known/openid-configuration} is read on first use
 * @param clientId      Lathe's client id at the provider
 * @param clientSecret  the client secret (sent with HTTP Basic), or null for a public client that relies on PKCE
 *                      alone; masked in {@link #toString()}
 * @param redirectUri   Lathe's callback URL as registered at the provider, for example {@code
 *                      https://lathe.plant.example/login/oidc/callback}
 * @param scopes        requested scopes; {@code openid} is added when missing (default openid, profile, email)
 * @param usernameClaim the claim that names the person (default {@code preferred_username}; {@code sub} when absent)
 * @param roleMappings  claim values to roles; a person matching none is refused
 * @param httpTimeout   connect and read timeout towards the provider (default 10 s)
 * @param loginTimeout  how long a started login may take at the provider (default 10 min)
 */
public record OidcSettings(URI issuer, String clientId, String clientSecret, URI redirectUri, List<String> scopes, String usernameClaim,
                           List<OidcRoleMapping> roleMappings, Duration httpTimeout, Duration loginTimeout) {
    public OidcSettings {
        List<String> problems = new ArrayList<>();
        if (issuer == null || !issuer.isAbsolute()) problems.add("issuer must be an absolute URL, but was " + issuer);
        if (clientId == null || clientId.isBlank()) problems.add("clientId must be set");
        if (redirectUri == null || !redirectUri.isAbsolute()) problems.add("redirectUri must be an absolute URL, but was " + redirectUri);
        if (roleMappings == null || roleMappings.isEmpty()) problems.add("roleMappings must name at least one claim value -> role, or nobody could log in");
        if (httpTimeout != null && (httpTimeout.isNegative() || httpTimeout.isZero())) problems.add("httpTimeout must be positive, but was " + httpTimeout);
        if (loginTimeout != null && (loginTimeout.isNegative() || loginTimeout.isZero())) problems.add("loginTimeout must be positive, but was " + loginTimeout);
        if (!problems.isEmpty()) throw new AuthException(AuthError.INVALID_SETTINGS,
                "Invalid OpenID Connect settings [issuer=" + issuer + "]: " + String.join("; ", problems) + ".");
        List<String> s = new ArrayList<>(scopes == null || scopes.isEmpty() ? List.of("openid", "profile", "email") : scopes);
        if (!s.contains("openid")) s.addFirst("openid");
        scopes = List.copyOf(s);
        usernameClaim = usernameClaim == null || usernameClaim.isBlank() ? "preferred_username" : usernameClaim;
        roleMappings = List.copyOf(roleMappings);
        httpTimeout = httpTimeout == null ? Duration.ofSeconds(10) : httpTimeout;
        loginTimeout = loginTimeout == null ? Duration.ofMinutes(10) : loginTimeout;
        clientSecret = clientSecret == null || clientSecret.isBlank() ? null : clientSecret;
    }

    @Override
    public String toString() {
        return "OidcSettings[issuer=" + issuer + ", clientId=" + clientId + ", clientSecret=" + (clientSecret == null ? "none" : "***")
                + ", redirectUri=" + redirectUri + ", scopes=" + scopes + ", usernameClaim=" + usernameClaim + ", roleMappings=" + roleMappings
                + ", httpTimeout=" + httpTimeout + ", loginTimeout=" + loginTimeout + "]";
    }
}
