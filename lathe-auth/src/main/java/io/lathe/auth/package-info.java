/**
 * Access control for Lathe, free of any HTTP framework: the API calls it, it calls nothing of the API.
 *
 * <p>{@link io.lathe.auth.AccessControl} is the entry point: password and single sign-on logins with sessions and
 * CSRF tokens, bearer API tokens, brute-force locks, the first administrator, and the facades {@link
 * io.lathe.auth.UserAdmin} (CLI {@code lathe user …} and admin API), {@link io.lathe.auth.TokenAdmin} and {@link
 * io.lathe.auth.AuditLog}. {@link io.lathe.auth.Authorizer#check} is the pure authorization decision.
 *
 * <h2>Roles, scopes and permissions</h2>
 * People hold a {@link io.lathe.auth.Role} per site (or on {@code *}, every site); programs hold API tokens with
 * {@link io.lathe.auth.Scope}s and an optional site. A route requires one {@link io.lathe.auth.Permission}:
 * <table>
 * <caption>Who holds which permission</caption>
 * <tr><th>Permission</th><th>Routes (examples)</th><th>Lowest role</th><th>Token scopes that grant it</th></tr>
 * <tr><td>account</td><td>who am I, change own password, logout</td><td>any logged-in person</td><td>any</td></tr>
 * <tr><td>read</td><td>data, KPIs, plant model, live view, metrics</td><td>viewer</td><td>read, operate, admin</td></tr>
 * <tr><td>operate</td><td>downtime reasons, acknowledgements</td><td>operator</td><td>operate, admin</td></tr>
 * <tr><td>ingest</td><td>HTTP ingest</td><td>engineer</td><td>ingest only</td></tr>
 * <tr><td>configure</td><td>configuration, connections</td><td>engineer</td><td>admin</td></tr>
 * <tr><td>admin</td><td>users, API tokens, audit log</td><td>admin</td><td>admin</td></tr>
 * </table>
 * Scope {@code read} acts like role viewer, {@code operate} like operator, {@code admin} like admin; {@code ingest}
 * acts like no role and is the only scope that grants ingest, so a leaked admin token cannot forge data and an
 * ingest token can read nothing.
 *
 * <h2>Sites</h2>
 * A person's role at a site is the higher of their grant for that site and their grant for {@code *}. A token with
 * a site acts only on that site. A request that names no site (installation-wide: users, tokens, configuration,
 * anything not tied to one site) needs a grant on {@code *}, or a token without site. Routes that list data of
 * several sites use {@link io.lathe.auth.Authorizer#sitesFor} to filter instead.
 *
 * <h2>Decisions</h2>
 * No or unknown credentials: {@link io.lathe.auth.Decision#UNAUTHENTICATED} (401). Known but not allowed: {@link
 * io.lathe.auth.Decision#FORBIDDEN} (403). A person who must change a one-time password gets {@link
 * io.lathe.auth.Decision#PASSWORD_CHANGE_REQUIRED} (403) for everything but {@code account}.
 */
package io.lathe.auth;
