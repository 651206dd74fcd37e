package io.lathe.auth;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static io.lathe.auth.Decision.ALLOW;
import static io.lathe.auth.Decision.FORBIDDEN;
import static io.lathe.auth.Decision.PASSWORD_CHANGE_REQUIRED;
import static io.lathe.auth.Decision.UNAUTHENTICATED;
import static org.assertj.core.api.Assertions.assertThat;

/** The role/scope → permission table of package-info, written out here independently of the code that implements it. */
class AuthorizerTest {
    private static final Permission[] ORDER = {Permission.ACCOUNT, Permission.READ, Permission.OPERATE, Permission.INGEST, Permission.CONFIGURE, Permission.ADMIN};

    // Columns follow ORDER: account, read, operate, ingest, configure, admin. 'A' allow, 'F' forbidden.
    private static final Map<Role, String> ROLE_ROWS = Map.of(
            Role.VIEWER,   "AAFFFF",
            Role.OPERATOR, "AAAFFF",
            Role.ENGINEER, "AAAAAF",
            Role.ADMIN,    "AAAAAA");
    private static final Map<Scope, String> SCOPE_ROWS = Map.of(
            Scope.READ,    "AAFFFF",
            Scope.OPERATE, "AAAFFF",
            Scope.INGEST,  "AFFAFF",
            Scope.ADMIN,   "AAAFAA");

    @Test
    void everyRoleOnAllSitesGetsExactlyThePermissionsOfTheTable() {
        ROLE_ROWS.forEach((role, row) -> {
            Principal.User u = user(Map.of("*", role));
            for (int i = 0; i < ORDER.length; i++) {
                Decision expected = row.charAt(i) == 'A' ? ALLOW : FORBIDDEN;
                assertThat(Authorizer.check(u, ORDER[i], "north")).as(role + " " + ORDER[i] + " at north").isEqualTo(expected);
                assertThat(Authorizer.check(u, ORDER[i], null)).as(role + " " + ORDER[i] + " installation-wide").isEqualTo(expected);
            }
        });
    }

    @Test
    void everyTokenScopeGetsExactlyThePermissionsOfTheTable() {
        SCOPE_ROWS.forEach((scope, row) -> {
            Principal.Token t = new Principal.Token("abcdefgh", "t", Set.of(scope), null);
            for (int i = 0; i < ORDER.length; i++) {
                assertThat(Authorizer.check(t, ORDER[i], "north")).as(scope + " " + ORDER[i]).isEqualTo(row.charAt(i) == 'A' ? ALLOW : FORBIDDEN);
            }
        });
    }

    @Test
    void scopesOfOneTokenAddUp() {
        Principal.Token t = new Principal.Token("abcdefgh", "gateway", EnumSet.of(Scope.READ, Scope.INGEST), null);
        assertThat(Authorizer.check(t, Permission.READ, "north")).isEqualTo(ALLOW);
        assertThat(Authorizer.check(t, Permission.INGEST, "north")).isEqualTo(ALLOW);
        assertThat(Authorizer.check(t, Permission.OPERATE, "north")).isEqualTo(FORBIDDEN);
    }

    @Test
    void anonymousAndNullAreUnauthenticatedForEveryPermission() {
        for (Permission p : Permission.values()) {
            assertThat(Authorizer.check(Principal.ANONYMOUS, p, "north")).isEqualTo(UNAUTHENTICATED);
            assertThat(Authorizer.check(null, p, null)).isEqualTo(UNAUTHENTICATED);
        }
        assertThat(UNAUTHENTICATED.httpStatus()).isEqualTo(401);
        assertThat(FORBIDDEN.httpStatus()).isEqualTo(403);
    }

    @Test
    void aSiteRoleHoldsOnlyAtThatSiteAndAddsToTheAllSitesRole() {
        Principal.User u = user(Map.of("*", Role.VIEWER, "north", Role.OPERATOR));
        assertThat(Authorizer.check(u, Permission.OPERATE, "north")).isEqualTo(ALLOW);
        assertThat(Authorizer.check(u, Permission.OPERATE, "south")).isEqualTo(FORBIDDEN);
        assertThat(Authorizer.check(u, Permission.READ, "south")).isEqualTo(ALLOW);
        // Installation-wide actions need the grant on *.
        assertThat(Authorizer.check(u, Permission.OPERATE, null)).isEqualTo(FORBIDDEN);

        Principal.User northOnly = user(Map.of("north", Role.ADMIN));
        assertThat(Authorizer.check(northOnly, Permission.ADMIN, "north")).isEqualTo(ALLOW);
        assertThat(Authorizer.check(northOnly, Permission.READ, "south")).isEqualTo(FORBIDDEN);
        assertThat(Authorizer.check(northOnly, Permission.ADMIN, null)).as("a site admin manages no users").isEqualTo(FORBIDDEN);
        assertThat(Authorizer.check(northOnly, Permission.ACCOUNT, null)).isEqualTo(ALLOW);
    }

    @Test
    void aSiteTokenActsOnlyOnItsSite() {
        Principal.Token t = new Principal.Token("abcdefgh", "north reader", Set.of(Scope.READ), "north");
        assertThat(Authorizer.check(t, Permission.READ, "north")).isEqualTo(ALLOW);
        assertThat(Authorizer.check(t, Permission.READ, "south")).isEqualTo(FORBIDDEN);
        assertThat(Authorizer.check(t, Permission.READ, null)).isEqualTo(FORBIDDEN);
        assertThat(Authorizer.sitesFor(t, Permission.READ)).isEqualTo(new SiteAccess(false, Set.of("north")));
        assertThat(Authorizer.sitesFor(t, Permission.OPERATE).isEmpty()).isTrue();
    }

    @Test
    void aPersonWithAOneTimePasswordMayOnlyTouchTheirAccount() {
        Principal.User u = new Principal.User("admin", Map.of("*", Role.ADMIN), true, Principal.Source.LOCAL);
        assertThat(Authorizer.check(u, Permission.ACCOUNT, null)).isEqualTo(ALLOW);
        for (Permission p : EnumSet.complementOf(EnumSet.of(Permission.ACCOUNT))) {
            assertThat(Authorizer.check(u, p, "north")).as(p.id()).isEqualTo(PASSWORD_CHANGE_REQUIRED);
        }
        assertThat(Authorizer.sitesFor(u, Permission.READ).isEmpty()).isTrue();
    }

    @Test
    void sitesForListsTheSitesWhereAPersonHoldsThePermission() {
        Principal.User u = user(Map.of("north", Role.OPERATOR, "south", Role.VIEWER));
        assertThat(Authorizer.sitesFor(u, Permission.READ)).isEqualTo(new SiteAccess(false, Set.of("north", "south")));
        assertThat(Authorizer.sitesFor(u, Permission.OPERATE)).isEqualTo(new SiteAccess(false, Set.of("north")));
        assertThat(Authorizer.sitesFor(user(Map.of("*", Role.VIEWER)), Permission.READ).allSites()).isTrue();
        assertThat(Authorizer.sitesFor(Principal.ANONYMOUS, Permission.READ).isEmpty()).isTrue();
    }

    @Test
    void roleGrantsParseAndFormatRoundTrip() {
        Map<String, Role> g = RoleGrants.parse("viewer, operator@north ,engineer@north, admin@south");
        assertThat(g).containsExactlyInAnyOrderEntriesOf(Map.of("*", Role.VIEWER, "north", Role.ENGINEER, "south", Role.ADMIN));
        assertThat(RoleGrants.format(g)).isEqualTo("viewer,engineer@north,admin@south");
        assertThat(RoleGrants.parse(RoleGrants.format(g))).isEqualTo(g);
    }

    @Test
    void badRoleGrantsNameTheWrongPart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoleGrants.parse("superuser@north"))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.INVALID_ROLE))
                .hasMessageContaining("superuser").hasMessageContaining("viewer, operator, engineer, admin");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoleGrants.parse("viewer@no/rth"))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.INVALID_SITE))
                .hasMessageContaining("no/rth");
    }

    private static Principal.User user(Map<String, Role> roles) {
        return new Principal.User("u", roles, false, Principal.Source.LOCAL);
    }
}
