package io.lathe.alarm;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A small, safe expression language over the signals of one machine: numbers, {@code true}/{@code false}, signal names,
 * {@code + - * /}, comparisons {@code < <= > >= == !=}, {@code and or not} (also {@code && || !}) and parentheses. No
 * function calls, no script engine: what can be written is exactly this grammar.
 *
 * <pre>
 * or      := and ( ("or" | "||") and )*
 * and     := not ( ("and" | "&&") not )*
 * not     := ("not" | "!") not | compare
 * compare := sum ( ("<" | "<=" | ">" | ">=" | "==" | "!=") sum )?
 * sum     := product ( ("+" | "-") product )*
 * product := unary ( ("*" | "/") unary )*
 * unary   := "-" unary | atom
 * atom    := number | "true" | "false" | name | "'" signal "'" | "(" or ")"
 * </pre>
 *
 * A bare name ({@code vibration_rms}) or a quoted one ({@code 'vibration-rms'}) is resolved to a signal id by the
 * caller's resolver (a machine's signal by its slug). Booleans are 1 and 0; a result is true when it is not 0.
 */
public final class Expression {
    private final String text;
    private final Node root;
    private final List<String> signals;

    private Expression(String text, Node root, List<String> signals) {
        this.text = text;
        this.root = root;
        this.signals = List.copyOf(signals);
    }

    /**
     * Parses {@code text}.
     *
     * @param resolver name to signal id, null when there is no such signal
     * @throws IllegalArgumentException naming the position and what was expected
     */
    public static Expression parse(String text, UnaryOperator<String> resolver) {
        Parser p = new Parser(text, resolver);
        Node n = p.or();
        p.skip();
        if (p.pos < text.length()) throw p.error("expected an operator or the end");
        if (p.signals.isEmpty()) throw new IllegalArgumentException("expression names no signal [expression=" + text + "]: an alarm must depend on a signal");
        return new Expression(text, n, p.signals);
    }

    public String text() {
        return text;
    }

    /** The signal ids the expression reads; {@link #evaluate} takes their values in this order. */
    public List<String> signals() {
        return signals;
    }

    /** The value with the inputs' values in {@link #signals()} order; NaN when an input is NaN (missing). */
    public double evaluate(double[] values) {
        return root.eval(values);
    }

    private interface Node {
        double eval(double[] v);
    }

    private static final class Parser {
        final String s;
        final UnaryOperator<String> resolver;
        final List<String> signals = new ArrayList<>();
        int pos;

        Parser(String s, UnaryOperator<String> resolver) {
            this.s = s;
            this.resolver = resolver;
        }

        IllegalArgumentException error(String expected) {
            return new IllegalArgumentException("invalid expression at position " + (pos + 1) + " [expression=" + s + "]: " + expected);
        }

        void skip() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        boolean eat(String op) {
            skip();
            if (!s.startsWith(op, pos)) return false;
            boolean word = Character.isLetter(op.charAt(0));
            int end = pos + op.length();
            if (word && end < s.length() && isNamePart(s.charAt(end))) return false;
            // "<" must not take the first half of "<=", "!" not that of "!="
            if (!word && op.length() == 1 && end < s.length() && s.charAt(end) == '=' && "<>!=".indexOf(op.charAt(0)) >= 0) return false;
            pos = end;
            return true;
        }

        Node or() {
            Node l = and();
            while (eat("or") || eat("||")) {
                Node a = l, b = and();
                l = v -> nan(a.eval(v), b.eval(v)) ? Double.NaN : truth(a.eval(v)) || truth(b.eval(v)) ? 1 : 0;
            }
            return l;
        }

        Node and() {
            Node l = not();
            while (eat("and") || eat("&&")) {
                Node a = l, b = not();
                l = v -> nan(a.eval(v), b.eval(v)) ? Double.NaN : truth(a.eval(v)) && truth(b.eval(v)) ? 1 : 0;
            }
            return l;
        }

        Node not() {
            if (eat("not") || eat("!")) {
                Node a = not();
                return v -> {
                    double x = a.eval(v);
                    return Double.isNaN(x) ? Double.NaN : truth(x) ? 0 : 1;
                };
            }
            return compare();
        }

        Node compare() {
            Node a = sum();
            String[] ops = {"<=", ">=", "==", "!=", "<", ">"};
            for (String op : ops) {
                if (eat(op)) {
                    Node b = sum();
                    return v -> {
                        double x = a.eval(v), y = b.eval(v);
                        if (nan(x, y)) return Double.NaN;
                        boolean r = switch (op) {
                            case "<=" -> x <= y;
                            case ">=" -> x >= y;
                            case "==" -> x == y;
                            case "!=" -> x != y;
                            case "<" -> x < y;
                            default -> x > y;
                        };
                        return r ? 1 : 0;
                    };
                }
            }
            return a;
        }

        Node sum() {
            Node l = product();
            while (true) {
                if (eat("+")) {
                    Node a = l, b = product();
                    l = v -> a.eval(v) + b.eval(v);
                } else if (eat("-")) {
                    Node a = l, b = product();
                    l = v -> a.eval(v) - b.eval(v);
                } else {
                    return l;
                }
            }
        }

        Node product() {
            Node l = unary();
            while (true) {
                if (eat("*")) {
                    Node a = l, b = unary();
                    l = v -> a.eval(v) * b.eval(v);
                } else if (eat("/")) {
                    Node a = l, b = unary();
                    // x / 0 is no value rather than infinity: an alarm must not fire on a division by zero
                    l = v -> {
                        double d = b.eval(v);
                        return d == 0 ? Double.NaN : a.eval(v) / d;
                    };
                } else {
                    return l;
                }
            }
        }

        Node unary() {
            if (eat("-")) {
                Node a = unary();
                return v -> -a.eval(v);
            }
            return atom();
        }

        Node atom() {
            skip();
            if (pos >= s.length()) throw error("expected a number, a signal or '('");
            char c = s.charAt(pos);
            if (c == '(') {
                pos++;
                Node n = or();
                if (!eat(")")) throw error("expected ')'");
                return n;
            }
            if (Character.isDigit(c) || c == '.') {
                int start = pos;
                while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '.' || s.charAt(pos) == 'e' || s.charAt(pos) == 'E'
                        || ((s.charAt(pos) == '-' || s.charAt(pos) == '+') && (s.charAt(pos - 1) == 'e' || s.charAt(pos - 1) == 'E')))) pos++;
                try {
                    double d = Double.parseDouble(s.substring(start, pos));
                    return v -> d;
                } catch (NumberFormatException e) {
                    pos = start;
                    throw error("'" + s.substring(start, Math.min(s.length(), start + 20)) + "' is not a number");
                }
            }
            String name;
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, pos + 1);
                if (end < 0) throw error("unclosed quote");
                name = s.substring(pos + 1, end);
                pos = end + 1;
            } else if (Character.isLetter(c) || c == '_') {
                int start = pos;
                while (pos < s.length() && isNamePart(s.charAt(pos))) pos++;
                name = s.substring(start, pos);
                if (name.equals("true")) return v -> 1;
                if (name.equals("false")) return v -> 0;
                if (name.equals("and") || name.equals("or") || name.equals("not")) {
                    pos = start;
                    throw error("expected an operand before '" + name + "'");
                }
            } else {
                throw error("unexpected '" + c + "'");
            }
            String id = resolver.apply(name);
            if (id == null) {
                pos -= name.length();
                throw error("no signal '" + name + "' on this machine");
            }
            int slot = signals.indexOf(id);
            if (slot < 0) {
                slot = signals.size();
                signals.add(id);
            }
            int i = slot;
            return v -> v[i];
        }

        private static boolean isNamePart(char c) {
            return Character.isLetterOrDigit(c) || c == '_';
        }
    }

    private static boolean truth(double x) {
        return x != 0;
    }

    private static boolean nan(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b);
    }

    @Override
    public String toString() {
        return text;
    }
}
