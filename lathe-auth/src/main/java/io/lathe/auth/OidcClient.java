package io.lathe.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationErrorResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.AuthenticationResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenID Connect relying party: authorization code flow with PKCE (S256), state and nonce. {@link #begin()} gives
 * the provider URL to redirect the browser to; {@link #complete(URI)} takes the callback URL the provider sent the
 * browser back to, exchanges the code at the token endpoint and validates the ID token (signature against the
 * provider's JWKS, issuer, audience, expiry with 60 s skew, nonce), then maps its claims to roles. The provider's
 * discovery document is read on first use, not at construction, so Lathe starts while the provider is down.
 * Pending logins live in memory, each usable once, for {@link OidcSettings#loginTimeout()}. Thread-safe.
 */
public final class OidcClient {
    private static final int MAX_PENDING = 10_000;

    private record Pending(Nonce nonce, CodeVerifier verifier, Instant started) {}

    private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator) {}

    private final OidcSettings settings;
    private final InstantSource clock;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private volatile Provider provider;

    public OidcClient(OidcSettings settings, InstantSource clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public OidcSettings settings() {
        return settings;
    }

    /**
     * Starts a login: the URL of the provider's authorization endpoint with client id, redirect URI, scopes, a fresh
     * state, nonce and PKCE challenge. Redirect the browser there.
     *
     * @throws AuthException {@link AuthError#OIDC} when the provider's discovery document cannot be read
     */
    public URI begin() {
        Provider p = provider();
        Instant now = clock.instant();
        if (pending.size() >= MAX_PENDING) pending.values().removeIf(x -> expired(x, now));
        if (pending.size() >= MAX_PENDING) throw failure("too many logins in progress [pending=" + pending.size() + "]", "Try again in a few minutes.");
        State state = new State();
        Nonce nonce = new Nonce();
        CodeVerifier verifier = new CodeVerifier();
        pending.put(state.getValue(), new Pending(nonce, verifier, now));
        return new AuthenticationRequest.Builder(new ResponseType(ResponseType.Value.CODE),
                new com.nimbusds.oauth2.sdk.Scope(settings.scopes().toArray(String[]::new)), new ClientID(settings.clientId()), settings.redirectUri())
                .endpointURI(p.metadata().getAuthorizationEndpointURI())
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
    }

    /**
     * Finishes a login from the callback URL (with its {@code code} and {@code state} query parameters).
     *
     * @return the person, named by {@link OidcSettings#usernameClaim()}, with the roles the mappings grant
     * @throws AuthException {@link AuthError#OIDC} naming what failed: unknown or expired state, an error from the
     *                       provider, the token exchange, an invalid ID token, no role mapping matched
     */
    public Principal.User complete(URI callback) {
        AuthenticationResponse response;
        try {
            response = AuthenticationResponseParser.parse(callback);
        } catch (ParseException e) {
            throw failure("callback not understood: " + e.getMessage(), "Start the login again from Lathe's login page.");
        }
        State state = response.getState();
        Pending p = state == null ? null : pending.remove(state.getValue());
        if (p == null || expired(p, clock.instant())) throw failure("unknown, used or expired login state",
                "Start the login again from Lathe's login page; a login must finish within " + settings.loginTimeout().toMinutes() + " min.");
        if (response instanceof AuthenticationErrorResponse err) {
            ErrorObject e = err.getErrorObject();
            throw failure("the provider refused [error=" + e.getCode() + "]: " + e.getDescription(), "Check the user's access to the Lathe client at the provider.");
        }
        AuthorizationCode code = response.toSuccessResponse().getAuthorizationCode();
        if (code == null) throw failure("no authorization code in the callback", "Configure the client at the provider for the authorization code flow.");
        Provider provider = provider();
        IDTokenClaimsSet claims = validate(provider, exchange(provider, code, p.verifier()), p.nonce());
        return principal(claims.toJSONObject());
    }

    /** The person these ID-token claims describe; public for tests and for providers that pass claims otherwise. */
    Principal.User principal(Map<String, Object> claims) {
        Object nameClaim = claim(claims, settings.usernameClaim());
        String name = nameClaim instanceof String s && !s.isBlank() ? s : (String) claims.get("sub");
        if (name == null || name.isBlank()) throw failure("the ID token names nobody [claim=" + settings.usernameClaim() + "]", "Set usernameClaim to a claim the provider sends.");
        Map<String, Role> roles = new TreeMap<>();
        for (OidcRoleMapping m : settings.roleMappings()) {
            if (matches(claim(claims, m.claim()), m.value())) roles.merge(m.site(), m.role(), Role::max);
        }
        if (roles.isEmpty()) throw failure("no role mapping matched [user=" + name + "]",
                "Put the user in a group that a role mapping names, or add a mapping for one of their groups.");
        return new Principal.User(name, roles, false, Principal.Source.OIDC);
    }

    private JWT exchange(Provider p, AuthorizationCode code, CodeVerifier verifier) {
        AuthorizationCodeGrant grant = new AuthorizationCodeGrant(code, settings.redirectUri(), verifier);
        URI endpoint = p.metadata().getTokenEndpointURI();
        TokenRequest request = settings.clientSecret() == null
                ? new TokenRequest(endpoint, new ClientID(settings.clientId()), grant)
                : new TokenRequest(endpoint, new ClientSecretBasic(new ClientID(settings.clientId()), new Secret(settings.clientSecret())), grant);
        HTTPRequest http = request.toHTTPRequest();
        http.setConnectTimeout(timeoutMillis());
        http.setReadTimeout(timeoutMillis());
        try {
            TokenResponse response = OIDCTokenResponseParser.parse(http.send());
            if (!response.indicatesSuccess()) {
                ErrorObject e = response.toErrorResponse().getErrorObject();
                throw failure("token endpoint refused the code [endpoint=" + endpoint + ", error=" + e.getCode() + "]: " + e.getDescription(),
                        "Check clientId, clientSecret and redirectUri against the client registered at the provider.");
            }
            JWT idToken = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDToken();
            if (idToken == null) throw failure("the token endpoint sent no ID token [endpoint=" + endpoint + "]", "Request the openid scope.");
            return idToken;
        } catch (IOException e) {
            throw failure("token endpoint unreachable [endpoint=" + endpoint + "]: " + e.getMessage(), "Check the network path to the provider.");
        } catch (ParseException | ClassCastException e) {
            throw failure("token endpoint answer not understood [endpoint=" + endpoint + "]: " + e.getMessage(), "Check that the issuer is an OpenID Connect provider.");
        }
    }

    private IDTokenClaimsSet validate(Provider p, JWT idToken, Nonce nonce) {
        try {
            return p.validator().validate(idToken, nonce);
        } catch (BadJOSEException | com.nimbusds.jose.JOSEException e) {
            throw failure("ID token invalid: " + e.getMessage(), "Check the issuer URL and the provider's signing keys; the clocks of Lathe and the provider must agree within 60 s.");
        }
    }

    private Provider provider() {
        Provider p = provider;
        if (p != null) return p;
        synchronized (this) {
            if (provider != null) return provider;
            try {
                OIDCProviderMetadata m = OIDCProviderMetadata.resolve(new Issuer(settings.issuer()), timeoutMillis(), timeoutMillis());
                JWSAlgorithm alg = algorithm(m);
                IDTokenValidator v = new IDTokenValidator(m.getIssuer(), new ClientID(settings.clientId()), alg, m.getJWKSetURI().toURL(),
                        new DefaultResourceRetriever(timeoutMillis(), timeoutMillis(), 512 * 1024));
                provider = new Provider(m, v);
                return provider;
            } catch (GeneralException | IOException | IllegalArgumentException e) {
                throw failure("provider discovery failed [url=" + settings.issuer() + "/.well-known/openid-configuration]: " + e.getMessage(),
                        "Check the issuer URL and that the provider is reachable from Lathe.");
            }
        }
    }

    private static JWSAlgorithm algorithm(OIDCProviderMetadata m) {
        List<JWSAlgorithm> supported = m.getIDTokenJWSAlgs();
        if (supported == null || supported.isEmpty() || supported.contains(JWSAlgorithm.RS256)) return JWSAlgorithm.RS256;
        for (JWSAlgorithm a : supported) {
            if (JWSAlgorithm.Family.RSA.contains(a) || JWSAlgorithm.Family.EC.contains(a) || JWSAlgorithm.Family.ED.contains(a)) return a;
        }
        return JWSAlgorithm.RS256;
    }

    private boolean expired(Pending p, Instant now) {
        return now.isAfter(p.started().plus(settings.loginTimeout()));
    }

    private int timeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, settings.httpTimeout().toMillis());
    }

    @SuppressWarnings("unchecked")
    private static Object claim(Map<String, Object> claims, String path) {
        Object v = claims.get(path);
        if (v != null || path.indexOf('.') < 0) return v;
        Object cur = claims;
        for (String part : path.split("\\.")) {
            if (!(cur instanceof Map<?, ?> map)) return null;
            cur = ((Map<String, Object>) map).get(part);
        }
        return cur;
    }

    private static boolean matches(Object claimValue, String expected) {
        if (claimValue instanceof Collection<?> c) {
            for (Object o : c) if (expected.equals(String.valueOf(o))) return true;
            return false;
        }
        return claimValue != null && expected.equals(String.valueOf(claimValue));
    }

    private AuthException failure(String what, String fix) {
        return new AuthException(AuthError.OIDC, "Single sign-on failed [issuer=" + settings.issuer() + "]: " + what + ". " + fix);
    }
}
