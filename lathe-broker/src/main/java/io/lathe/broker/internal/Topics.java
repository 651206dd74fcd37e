package io.lathe.broker.internal;

/**
 * MQTT topic names and filters (MQTT 5.0 section 4.7): checks, matching and covering, without allocating, because
 * the broker calls them for every PUBLISH a device sends.
 */
public final class Topics {
    private Topics() {}

    private static final String SHARE_PREFIX = "$share/";

    /** Throws when {@code filter} is not a valid MQTT topic filter; {@code what} names the list it came from. */
    public static void checkFilter(String filter, String what) {
        if (filter == null) throw new IllegalArgumentException(what + " topic filter must not be null");
        if (filter.isEmpty()) throw new IllegalArgumentException(what + " topic filter must not be empty");
        if (filter.indexOf('\u0000') >= 0) throw new IllegalArgumentException(what + " topic filter must not contain NUL, but was '" + filter + "'");
        int start = 0;
        while (true) {
            int end = filter.indexOf('/', start);
            boolean last = end < 0;
            if (last) end = filter.length();
            int len = end - start;
            for (int i = start; i < end; i++) {
                char c = filter.charAt(i);
                if ((c == '+' || c == '#') && len != 1) {
                    throw new IllegalArgumentException(what + " topic filter '" + filter + "' is invalid: '" + c + "' must stand alone in its level");
                }
            }
            if (len == 1 && filter.charAt(start) == '#' && !last) {
                throw new IllegalArgumentException(what + " topic filter '" + filter + "' is invalid: '#' must be the last level");
            }
            if (last) return;
            start = end + 1;
        }
    }

    /** Throws when {@code value} cannot be one topic level (empty, or contains '/', '+', '#' or NUL). */
    public static void checkLevel(String value, String what) {
        if (value == null) throw new IllegalArgumentException(what + " must not be null");
        if (value.isEmpty()) throw new IllegalArgumentException(what + " must not be empty");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '/' || c == '+' || c == '#' || c == '\u0000') {
                throw new IllegalArgumentException(what + " must be one topic level without '/', '+', '#', but was '" + value + "'");
            }
        }
    }

    /** Number of levels of a topic name or filter ({@code a/b/c} has 3). */
    public static int levels(String topic) {
        int n = 1;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/') n++;
        }
        return n;
    }

    /** True for Sparkplug host application STATE topics: {@code spBv1.0/STATE/…} (3.0) and {@code STATE/…} (2.2). */
    public static boolean isSparkplugState(String topic) {
        return topic.startsWith("spBv1.0/STATE/") || topic.equals("spBv1.0/STATE") || topic.startsWith("STATE/") || topic.equals("STATE");
    }

    /** The filter of a shared subscription ({@code $share/<group>/<filter>}), or {@code filter} itself. */
    public static String unshared(String filter) {
        if (!filter.startsWith(SHARE_PREFIX)) return filter;
        int groupEnd = filter.indexOf('/', SHARE_PREFIX.length());
        return groupEnd < 0 ? filter : filter.substring(groupEnd + 1);
    }

    /** True when topic name {@code topic} (no wildcards) matches {@code filter}. */
    public static boolean matches(String filter, String topic) {
        if (startsWithWildcard(filter) && topic.startsWith("$")) return false;
        int fl = filter.length();
        int tl = topic.length();
        int f = 0;
        int t = 0;
        while (true) {
            int fe = filter.indexOf('/', f);
            if (fe < 0) fe = fl;
            if (fe - f == 1 && filter.charAt(f) == '#') return true;
            int te = topic.indexOf('/', t);
            if (te < 0) te = tl;
            boolean plus = fe - f == 1 && filter.charAt(f) == '+';
            if (!plus && (fe - f != te - t || !filter.regionMatches(f, topic, t, fe - f))) return false;
            boolean filterEnd = fe == fl;
            boolean topicEnd = te == tl;
            if (filterEnd && topicEnd) return true;
            // "a/#" also matches "a" (MQTT 5.0 section 4.7.1.2).
            if (topicEnd) return fe + 2 == fl && filter.charAt(fe + 1) == '#';
            if (filterEnd) return false;
            f = fe + 1;
            t = te + 1;
        }
    }

    /** True when every topic that filter {@code requested} can match is matched by filter {@code allowed}. */
    public static boolean covers(String allowed, String requested) {
        if (startsWithWildcard(allowed) && requested.startsWith("$")) return false;
        int al = allowed.length();
        int rl = requested.length();
        int a = 0;
        int r = 0;
        while (true) {
            int ae = allowed.indexOf('/', a);
            if (ae < 0) ae = al;
            int re = requested.indexOf('/', r);
            if (re < 0) re = rl;
            boolean aHash = ae - a == 1 && allowed.charAt(a) == '#';
            if (aHash) return true;
            boolean rHash = re - r == 1 && requested.charAt(r) == '#';
            if (rHash) return false;
            boolean aPlus = ae - a == 1 && allowed.charAt(a) == '+';
            boolean rPlus = re - r == 1 && requested.charAt(r) == '+';
            if (!aPlus) {
                if (rPlus) return false;
                if (ae - a != re - r || !allowed.regionMatches(a, requested, r, ae - a)) return false;
            }
            boolean aEnd = ae == al;
            boolean rEnd = re == rl;
            if (aEnd && rEnd) return true;
            if (rEnd) return ae + 2 == al && allowed.charAt(ae + 1) == '#';
            if (aEnd) return false;
            a = ae + 1;
            r = re + 1;
        }
    }

    private static boolean startsWithWildcard(String filter) {
        return !filter.isEmpty() && (filter.charAt(0) == '+' || filter.charAt(0) == '#');
    }
}
