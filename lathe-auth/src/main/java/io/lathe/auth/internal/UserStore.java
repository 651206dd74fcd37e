package io.lathe.auth.internal;

import io.lathe.auth.Role;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Local users in {@code <data-dir>/auth/users.json} (owner-only). Thread-safe; safe against the CLI changing the
 * file while the server runs (see {@link JsonFileStore}).
 */
public final class UserStore {
    /** One user as stored. {@code passwordHash} is an Argon2id PHC string; {@link #toString()} masks it. */
    public record UserRecord(String name, String passwordHash, Map<String, String> roles, boolean mustChangePassword,
                             String created, String passwordChanged) {
        public UserRecord {
            Objects.requireNonNull(name, "name");
            roles = roles == null ? Map.of() : Map.copyOf(roles);
        }

        public Map<String, Role> roleMap() {
            Map<String, Role> m = new TreeMap<>();
            roles.forEach((site, role) -> m.put(site, Role.parse(role)));
            return m;
        }

        public static Map<String, String> ids(Map<String, Role> roles) {
            Map<String, String> m = new TreeMap<>();
            roles.forEach((site, role) -> m.put(site, role.id()));
            return m;
        }

        @Override
        public String toString() {
            return "UserRecord[name=" + name + ", passwordHash=***, roles=" + roles + ", mustChangePassword=" + mustChangePassword
                    + ", created=" + created + ", passwordChanged=" + passwordChanged + "]";
        }
    }

    public record UsersFile(int version, List<UserRecord> users) {
        public UsersFile {
            users = users == null ? List.of() : List.copyOf(users);
        }
    }

    private final JsonFileStore<UsersFile> store;

    /**
     * @param onExternalChange told the name of each user whose password or roles another process changed, or
     *                         who was removed there; the server ends their sessions
     */
    public UserStore(Path file, Consumer<String> onExternalChange) {
        this.store = new JsonFileStore<>(file, UsersFile.class, () -> new UsersFile(1, List.of()),
                (before, after) -> changedUsers(before, after).forEach(onExternalChange));
    }

    public Path file() {
        return store.file();
    }

    public List<UserRecord> list() {
        return store.current().users();
    }

    public Optional<UserRecord> find(String name) {
        for (UserRecord u : store.current().users()) if (u.name().equals(name)) return Optional.of(u);
        return Optional.empty();
    }

    /**
     * Changes the list of users atomically: {@code change} gets the newest list and returns the new list (or the
     * same instance for no change) and a result.
     */
    public <R> R update(Function<List<UserRecord>, JsonFileStore.Change<List<UserRecord>, R>> change) {
        return store.update(file -> {
            JsonFileStore.Change<List<UserRecord>, R> c = change.apply(file.users());
            UsersFile next = c.document() == null || c.document() == file.users() ? null : new UsersFile(1, new ArrayList<>(c.document()));
            return new JsonFileStore.Change<>(next, c.result());
        });
    }

    static Set<String> changedUsers(UsersFile before, UsersFile after) {
        Map<String, UserRecord> old = new HashMap<>();
        for (UserRecord u : before.users()) old.put(u.name(), u);
        Set<String> changed = new HashSet<>();
        Set<String> seen = new HashSet<>();
        for (UserRecord u : after.users()) {
            seen.add(u.name());
            UserRecord o = old.get(u.name());
            if (o != null && (!Objects.equals(o.passwordHash(), u.passwordHash()) || !o.roles().equals(u.roles()))) changed.add(u.name());
        }
        for (String name : old.keySet()) if (!seen.contains(name)) changed.add(name);
        return changed;
    }
}
