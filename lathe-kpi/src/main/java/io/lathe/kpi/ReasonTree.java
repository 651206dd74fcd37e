package io.lathe.kpi;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Downtime reasons: categories of reasons, each reason with a code (the value of the reason signal or the code an
 * operator enters) and a name. YAML: {@code reasons: [{category: mechanical, name: Mechanical, reasons: [{code: "11", name: Tool break}]}]}.
 */
public record ReasonTree(List<Category> categories) {

    public ReasonTree {
        categories = List.copyOf(categories);
        Map<String, String> seen = new HashMap<>();
        for (Category c : categories) for (Reason r : c.reasons()) {
            String prev = seen.put(r.code(), c.id());
            if (prev != null) throw new IllegalArgumentException("Reason tree has a duplicate code [code=" + r.code() + ", categories=" + prev + "," + c.id() + "]: codes must be unique. Rename one.");
        }
    }

    public static ReasonTree empty() { return new ReasonTree(List.of()); }

    /** The category and reason of a code, empty when the tree does not know it. */
    public Optional<Match> find(String code) {
        for (Category c : categories) for (Reason r : c.reasons()) if (r.code().equals(code)) return Optional.of(new Match(c, r));
        return Optional.empty();
    }

    public record Category(String id, String name, List<Reason> reasons) {
        public Category {
            Objects.requireNonNull(id, "id");
            name = name == null ? id : name;
            reasons = List.copyOf(reasons);
        }
    }

    public record Reason(String code, String name) {
        public Reason {
            Objects.requireNonNull(code, "code");
            name = name == null ? code : name;
        }
    }

    public record Match(Category category, Reason reason) {}
}
