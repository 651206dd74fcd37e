package io.lathe.auth.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/** API tokens in {@code <data-dir>/auth/tokens.json} (owner-only), secrets as SHA-256 only. Thread-safe. */
public final class TokenStore {
    /**
     * One token as stored.
     *
     * @param hash   SHA-256 hex of the whole token string as presented by clients
     * @param legacy true for the imported {@code server.ingest-token}, whose value has no {@code lathe_} prefix
     */
    public record TokenRecord(String prefix, String name, String hash, List<String> scopes, String site, String created,
                              String createdBy, String lastUsed, boolean legacy) {
        public TokenRecord {
            Objects.requireNonNull(prefix, "prefix");
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
        }

        public TokenRecord withLastUsed(String when) {
            return new TokenRecord(prefix, name, hash, scopes, site, created, createdBy, when, legacy);
        }

        @Override
        public String toString() {
            return "TokenRecord[prefix=" + prefix + ", name=" + name + ", hash=***, scopes=" + scopes + ", site=" + site
                    + ", created=" + created + ", createdBy=" + createdBy + ", lastUsed=" + lastUsed + ", legacy=" + legacy + "]";
        }
    }

    public record TokensFile(int version, List<TokenRecord> tokens) {
        public TokensFile {
            tokens = tokens == null ? List.of() : List.copyOf(tokens);
        }
    }

    private final JsonFileStore<TokensFile> store;

    public TokenStore(Path file) {
        this.store = new JsonFileStore<>(file, TokensFile.class, () -> new TokensFile(1, List.of()), null);
    }

    public List<TokenRecord> list() {
        return store.current().tokens();
    }

    /** Like {@link UserStore#update}. */
    public <R> R update(Function<List<TokenRecord>, JsonFileStore.Change<List<TokenRecord>, R>> change) {
        return store.update(file -> {
            JsonFileStore.Change<List<TokenRecord>, R> c = change.apply(file.tokens());
            TokensFile next = c.document() == null || c.document() == file.tokens() ? null : new TokensFile(1, new ArrayList<>(c.document()));
            return new JsonFileStore.Change<>(next, c.result());
        });
    }
}
