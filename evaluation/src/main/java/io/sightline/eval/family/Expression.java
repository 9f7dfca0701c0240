package io.sightline.eval.family;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Arithmetic over a family's named parameters, for values derived from others (a start range from
 * a speed, a lateral offset from an overlap): numbers, names, {@code + - * / ^}, parentheses,
 * {@code pi}, and the functions {@code min, max, abs, sqrt, sin, cos, tan, atan}. Compiled once;
 * evaluation reads the parameters by index and allocates nothing.
 */
public final class Expression {

    /** A syntax error or an unknown name, with the position in the text. */
    public static final class SyntaxException extends Exception {
        SyntaxException(String message) {
            super(message);
        }
    }

    private interface Node {
        double eval(double[] vars);
    }

    private final Node root;

    private Expression(Node root) {
        this.root = root;
    }

    /** Value with {@code vars[i]} the value of the parameter compiled as index i. */
    public double evaluate(double[] vars) {
        return root.eval(vars);
    }

    /** Compiles {@code text}; {@code names} maps every name it may use to its index. */
    public static Expression compile(String text, Map<String, Integer> names) throws SyntaxException {
        Parser p = new Parser(text, names);
        Node n = p.expr();
        p.skipSpace();
        if (p.pos < text.length()) {
            throw p.error("unexpected '" + text.charAt(p.pos) + "'");
        }
        return new Expression(n);
    }

    private static final class Parser {
        final String s;
        final Map<String, Integer> names;
        int pos;

        Parser(String s, Map<String, Integer> names) {
            this.s = s;
            this.names = names;
        }

        SyntaxException error(String why) {
            return new SyntaxException(why + " at position " + (pos + 1) + " of \"" + s + "\"");
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        boolean eat(char c) {
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        Node expr() throws SyntaxException {
            Node left = term();
            while (true) {
                if (eat('+')) {
                    Node a = left;
                    Node b = term();
                    left = v -> a.eval(v) + b.eval(v);
                } else if (eat('-')) {
                    Node a = left;
                    Node b = term();
                    left = v -> a.eval(v) - b.eval(v);
                } else {
                    return left;
                }
            }
        }

        Node term() throws SyntaxException {
            Node left = unary();
            while (true) {
                if (eat('*')) {
                    Node a = left;
                    Node b = unary();
                    left = v -> a.eval(v) * b.eval(v);
                } else if (eat('/')) {
                    Node a = left;
                    Node b = unary();
                    left = v -> a.eval(v) / b.eval(v);
                } else {
                    return left;
                }
            }
        }

        Node unary() throws SyntaxException {
            if (eat('-')) {
                Node a = unary();
                return v -> -a.eval(v);
            }
            if (eat('+')) {
                return unary();
            }
            Node base = primary();
            if (eat('^')) {
                Node e = unary();
                return v -> Math.pow(base.eval(v), e.eval(v));
            }
            return base;
        }

        Node primary() throws SyntaxException {
            skipSpace();
            if (pos >= s.length()) {
                throw error("expression ends early");
            }
            char c = s.charAt(pos);
            if (eat('(')) {
                Node n = expr();
                if (!eat(')')) {
                    throw error("')' expected");
                }
                return n;
            }
            if (Character.isDigit(c) || c == '.') {
                int start = pos;
                while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '.')) {
                    pos++;
                }
                if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                    pos++;
                    if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                        pos++;
                    }
                    while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                        pos++;
                    }
                }
                double value;
                try {
                    value = Double.parseDouble(s.substring(start, pos));
                } catch (NumberFormatException e) {
                    pos = start;
                    throw error("bad number");
                }
                return v -> value;
            }
            if (Character.isLetter(c) || c == '_') {
                int start = pos;
                while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                    pos++;
                }
                String name = s.substring(start, pos);
                if (eat('(')) {
                    List<Node> args = new ArrayList<>();
                    if (!eat(')')) {
                        do {
                            args.add(expr());
                        } while (eat(','));
                        if (!eat(')')) {
                            throw error("')' expected after the arguments of " + name);
                        }
                    }
                    return function(name, args, start);
                }
                if (name.equals("pi")) {
                    return v -> Math.PI;
                }
                Integer index = names.get(name);
                if (index == null) {
                    pos = start;
                    throw error("unknown parameter '" + name + "' (a named parameter declared before this one)");
                }
                int i = index;
                return v -> v[i];
            }
            throw error("unexpected '" + c + "'");
        }

        Node function(String name, List<Node> args, int at) throws SyntaxException {
            Node[] a = args.toArray(new Node[0]);
            switch (name) {
                case "min":
                case "max":
                    if (a.length < 2) {
                        pos = at;
                        throw error(name + " takes two or more arguments");
                    }
                    boolean isMin = name.equals("min");
                    return v -> {
                        double r = a[0].eval(v);
                        for (int k = 1; k < a.length; k++) {
                            r = isMin ? Math.min(r, a[k].eval(v)) : Math.max(r, a[k].eval(v));
                        }
                        return r;
                    };
                case "abs":
                    return one(name, a, at, Math::abs);
                case "sqrt":
                    return one(name, a, at, Math::sqrt);
                case "sin":
                    return one(name, a, at, Math::sin);
                case "cos":
                    return one(name, a, at, Math::cos);
                case "tan":
                    return one(name, a, at, Math::tan);
                case "atan":
                    return one(name, a, at, Math::atan);
                default:
                    pos = at;
                    throw error("unknown function '" + name + "'");
            }
        }

        Node one(String name, Node[] a, int at, java.util.function.DoubleUnaryOperator f) throws SyntaxException {
            if (a.length != 1) {
                pos = at;
                throw error(name + " takes one argument");
            }
            Node x = a[0];
            return v -> f.applyAsDouble(x.eval(v));
        }
    }
}
