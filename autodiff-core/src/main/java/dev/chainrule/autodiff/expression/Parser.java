package dev.chainrule.autodiff.expression;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Turns tokens into an {@link Expr} tree by operator precedence with two explicit stacks (operands,
 * and operators still waiting for their right operand): no recursion, so nesting depth is limited
 * by {@link #MAX_NESTING}, checked with a clear error, not by the Java stack.
 *
 * <p>Grammar, loosest first: {@code + -} (left-associative) &lt; {@code * /} (left-associative) &lt;
 * unary {@code - +} &lt; {@code ^} (right-associative, and its right operand may start with a sign);
 * operands are numbers, variables, {@code (expr)} and {@code function(expr)}. So {@code -x^2} is
 * −(x²), {@code 2^x^2} is 2^(x²), {@code x^-2} is x^(−2) and {@code 2*-x} is 2·(−x).
 *
 * <p>The parser alternates between expecting an operand and expecting an operator; a token that fits
 * neither is a syntax error at its column saying what was expected there.
 */
public final class Parser {
    /** Most operators that may wait at once for their right operand or closing parenthesis. */
    public static final int MAX_NESTING = 10_000;

    private static final String OPERAND = "a number, a variable, a function call, '(' or a sign";

    private final String source;
    private final List<Token> tokens;
    private final Deque<Expr> operands = new ArrayDeque<>();
    private final Deque<Pending> operators = new ArrayDeque<>();

    private Parser(String source) {
        this.source = source;
        this.tokens = Lexer.tokenize(source);
    }

    /** The tree of {@code source}; throws {@link ExpressionSyntaxException} at the first error. */
    public static Expr parse(String source) {
        return new Parser(source).run();
    }

    private Expr run() {
        boolean expectOperand = true;
        for (int i = 0; ; i++) {
            Token token = tokens.get(i);
            if (expectOperand) {
                switch (token.kind()) {
                    case NUMBER -> {
                        operands.push(new Expr.Constant(Double.parseDouble(token.text()), token.text(), token.column()));
                        expectOperand = false;
                    }
                    case NAME -> {
                        if (name(token, tokens.get(i + 1))) {
                            i++;
                        } else {
                            expectOperand = false;
                        }
                    }
                    case LPAREN -> waitFor(new Pending(Pending.Kind.PAREN, token, null, null));
                    case MINUS -> waitFor(new Pending(Pending.Kind.NEGATE, token, null, null));
                    case PLUS -> { } // unary plus changes nothing
                    default -> throw error(token, "expected " + OPERAND + ", found " + token.describe());
                }
            } else {
                Operator operator = Operator.of(token.kind());
                if (operator != null) {
                    reduceWhileTighterThan(operator);
                    waitFor(new Pending(Pending.Kind.BINARY, token, operator, null));
                    expectOperand = true;
                } else if (token.kind() == Token.Kind.RPAREN) {
                    closeParenthesis(token);
                } else if (token.kind() == Token.Kind.END) {
                    return finish(token);
                } else {
                    throw error(token, "expected an operator (+ - * / ^), ')' or the end of the expression, found "
                            + token.describe());
                }
            }
        }
    }

    /** A variable (returns false) or a function name and its '(' (returns true: two tokens used). */
    private boolean name(Token token, Token next) {
        MathFunction function = MathFunction.byName(token.text());
        if (next.kind() == Token.Kind.LPAREN) {
            if (function == null) {
                throw error(token, "unknown function '" + token.text() + "'; expected one of " + MathFunction.names());
            }
            waitFor(new Pending(Pending.Kind.CALL, token, null, function));
            return true;
        }
        if (function != null) {
            throw error(next, "expected '(' after function name '" + token.text() + "', found " + next.describe());
        }
        operands.push(new Expr.Variable(token.text(), token.column()));
        return false;
    }

    private void waitFor(Pending pending) {
        if (operators.size() == MAX_NESTING) {
            throw error(pending.token(), "expression nested too deeply: more than " + MAX_NESTING
                    + " levels of parentheses, function calls, signs or '^'");
        }
        operators.push(pending);
    }

    /** Builds the waiting operations that bind at least as tightly as {@code next}, which comes after them. */
    private void reduceWhileTighterThan(Operator next) {
        while (!operators.isEmpty()) {
            int top = switch (operators.peek().kind()) {
                case NEGATE -> Operator.UNARY_MINUS_PRECEDENCE;
                case BINARY -> operators.peek().operator().precedence();
                default -> -1; // a parenthesis: nothing beyond it belongs to `next`
            };
            if (top < next.precedence() || (top == next.precedence() && next.rightAssociative())) {
                return;
            }
            reduce(operators.pop());
        }
    }

    private void closeParenthesis(Token close) {
        while (!operators.isEmpty() && !operators.peek().isParenthesis()) {
            reduce(operators.pop());
        }
        if (operators.isEmpty()) {
            throw error(close, "found ')' without a matching '('");
        }
        Pending open = operators.pop();
        if (open.kind() == Pending.Kind.CALL) {
            operands.push(new Expr.Call(open.function(), operands.pop(), open.token().column()));
        }
    }

    private Expr finish(Token end) {
        while (!operators.isEmpty()) {
            Pending top = operators.pop();
            if (top.isParenthesis()) {
                int column = top.kind() == Pending.Kind.CALL ? top.token().column() + top.token().text().length() : top.token().column();
                throw error(end, "expected ')' to close the '(' at column " + column + ", found end of input");
            }
            reduce(top);
        }
        return operands.pop();
    }

    private void reduce(Pending op) {
        if (op.kind() == Pending.Kind.NEGATE) {
            operands.push(new Expr.Negate(operands.pop(), op.token().column()));
        } else {
            Expr right = operands.pop();
            Expr left = operands.pop();
            operands.push(new Expr.Binary(op.operator(), left, right, op.token().column()));
        }
    }

    private ExpressionSyntaxException error(Token at, String detail) {
        return new ExpressionSyntaxException(source, at.column(), detail);
    }

    /** An operator or parenthesis waiting on the stack. */
    private record Pending(Kind kind, Token token, Operator operator, MathFunction function) {

        enum Kind { NEGATE, BINARY, PAREN, CALL }

        boolean isParenthesis() {
            return kind == Kind.PAREN || kind == Kind.CALL;
        }
    }
}
