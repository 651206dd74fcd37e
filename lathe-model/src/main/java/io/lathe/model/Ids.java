package io.lathe.model;

import java.text.Normalizer;
import java.util.Locale;

/** Turns names into URL-safe id parts: lower case ASCII letters, digits and '-'. */
public final class Ids {
    private Ids() {}

    public static String slug(String name) {
        String n = Normalizer.normalize(name, Normalizer.Form.NFKD).toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(n.length());
        boolean dash = false;
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                b.append(c);
                dash = false;
            } else if (c < 0x80 && !dash && b.length() > 0) {
                b.append('-');
                dash = true;
            }
        }
        while (b.length() > 0 && b.charAt(b.length() - 1) == '-') b.setLength(b.length() - 1);
        return b.length() == 0 ? "x" : b.toString();
    }
}
