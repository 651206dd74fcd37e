package io.lathe.auth;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Who is making a request: a person ({@link User}), a program ({@link Token}) or nobody ({@link Anonymous}).
 * Immutable; holds no secret.
 */
public sealed interface Principal permits Principal.User, Principal.Token, Principal.Anonymous {

    /** The one anonymous principal. */
    Anonymous ANONYMOUS = new Anonymous();

    /** How this principal appears in the audit log: {@code user:alice}, {@code oidc:bob}, {@code token:ab12cd34}. */
    String actorName();

    /** Where a person's identity comes from. */
    enum Source { LOCAL, OIDC }

    /**
     * A person.
     *
     * @param name               user name (local) or the provider's user name claim (OIDC)
     * @param roles              role per site id, {@link RoleGrants#ALL_SITES} for every site; copied, sorted
     * @param mustChangePassword true after a one-time or reset password until the person sets their own
     * @param source             local user store or OpenID Connect
     */
    record User(String name, Map<String, Role> roles, boolean mustChangePassword, Source source) implements Principal {
        public User {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(source, "source");
            roles = Collections.unmodifiableMap(new TreeMap<>(RoleGrants.validate(roles)));
        }

        /** The highest role this person holds at {@code site}, counting grants for all sites; null if none. */
        public Role roleAt(String site) {
            Role all = roles.get(RoleGrants.ALL_SITES);
            return site == null || RoleGrants.ALL_SITES.equals(site) ? all : Role.max(all, roles.get(site));
        }

        @Override
        public String actorName() {
            return (source == Source.OIDC ? "oidc:" : "user:") + name;
        }
    }

    /**
     * A program authenticated by an API token. The secret is never kept here.
     *
     * @param prefix the token's public 8-character id
     * @param name   the name given at creation
     * @param scopes what it may do, never empty
     * @param site   the only site it may act on, or null for every site
     */
    record Token(String prefix, String name, Set<Scope> scopes, String site) implements Principal {
        public Token {
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(name, "name");
            if (scopes == null || scopes.isEmpty()) throw new AuthException(AuthError.INVALID_SCOPE,
                    "API token [prefix=" + prefix + "] has no scope: give it at least one of read, ingest, operate, admin.");
            scopes = Collections.unmodifiableSet(EnumSet.copyOf(scopes));
            if (site != null) RoleGrants.validateSite(site);
        }

        /** The highest role the scopes act like, or null when the token only ingests. */
        public Role equivalentRole() {
            Role r = null;
            for (Scope s : scopes) r = Role.max(r, s.equivalentRole());
            return r;
        }

        @Override
        public String actorName() {
            return "token:" + prefix;
        }
    }

    /** No credentials (or credentials that were refused). */
    record Anonymous() implements Principal {
        @Override
        public String actorName() {
            return "anonymous";
        }
    }
}
