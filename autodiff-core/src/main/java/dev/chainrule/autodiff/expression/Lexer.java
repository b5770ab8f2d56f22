package dev.chainrule.autodiff.expression;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits expression text into {@link Token}s: decimal numbers ({@code 3}, {@code 2.5}, {@code .5},
 * {@code 2.}, {@code 3.5e-1}), names {@code [A-Za-z_][A-Za-z0-9_]*}, the operators {@code + - * / ^}
 * and parentheses, skipping whitespace. The list always ends with an {@link Token.Kind#END} token.
 */
public final class Lexer {
    private final String source;
    private int pos;

    private Lexer(String source) {
        this.source = source;
    }

    /** The tokens of {@code source}, ending with END; throws at the first character that starts no token. */
    public static List<Token> tokenize(String source) {
        return new Lexer(source).run();
    }

    private List<Token> run() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            while (pos < source.length() && Character.isWhitespace(source.charAt(pos))) {
                pos++;
            }
            if (pos == source.length()) {
                tokens.add(new Token(Token.Kind.END, "", pos + 1));
                return tokens;
            }
            tokens.add(next());
        }
    }

    private Token next() {
        char c = source.charAt(pos);
        if (isDigit(c) || c == '.') {
            return number();
        }
        if (isNameStart(c)) {
            int start = pos;
            while (pos < source.length() && isNamePart(source.charAt(pos))) {
                pos++;
            }
            return token(Token.Kind.NAME, start);
        }
        Token.Kind kind = switch (c) {
            case '+' -> Token.Kind.PLUS;
            case '-' -> Token.Kind.MINUS;
            case '*' -> Token.Kind.STAR;
            case '/' -> Token.Kind.SLASH;
            case '^' -> Token.Kind.CARET;
            case '(' -> Token.Kind.LPAREN;
            case ')' -> Token.Kind.RPAREN;
            default -> throw error(pos, "unexpected character " + describeChar(pos)
                    + "; expected a number, a name, an operator (+ - * / ^) or a parenthesis");
        };
        pos++;
        return token(kind, pos - 1);
    }

    /** digits [. digits] | . digits, then an optional exponent e[+-]digits. */
    private Token number() {
        int start = pos;
        skipDigits();
        if (pos < source.length() && source.charAt(pos) == '.') {
            pos++;
            skipDigits();
        }
        if (pos - start == 1 && source.charAt(start) == '.') {
            throw error(pos, "expected a digit after '.', found " + describeChar(pos));
        }
        if (pos < source.length() && (source.charAt(pos) == 'e' || source.charAt(pos) == 'E')) {
            pos++;
            if (pos < source.length() && (source.charAt(pos) == '+' || source.charAt(pos) == '-')) {
                pos++;
            }
            if (pos == source.length() || !isDigit(source.charAt(pos))) {
                throw error(pos, "expected a digit in the exponent of number '" + source.substring(start, pos)
                        + "', found " + describeChar(pos));
            }
            skipDigits();
        }
        Token token = token(Token.Kind.NUMBER, start);
        if (Double.isInfinite(Double.parseDouble(token.text()))) {
            throw error(start, "number '" + token.text() + "' is too large for float64 (max about 1.8e308)");
        }
        return token;
    }

    private void skipDigits() {
        while (pos < source.length() && isDigit(source.charAt(pos))) {
            pos++;
        }
    }

    private Token token(Token.Kind kind, int start) {
        return new Token(kind, source.substring(start, pos), start + 1);
    }

    private String describeChar(int at) {
        if (at >= source.length()) {
            return "end of input";
        }
        int cp = source.codePointAt(at);
        return Character.isISOControl(cp) || Character.isWhitespace(cp)
                ? String.format("U+%04X", cp)
                : "'" + new String(Character.toChars(cp)) + "'";
    }

    private ExpressionSyntaxException error(int at, String detail) {
        return new ExpressionSyntaxException(source, at + 1, detail);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isNameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || isDigit(c);
    }
}
