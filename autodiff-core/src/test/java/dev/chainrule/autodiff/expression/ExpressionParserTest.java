package dev.chainrule.autodiff.expression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExpressionParserTest {

    @ParameterizedTest(name = "{0}  ->  {1}")
    @CsvSource(delimiter = '|', value = {
        "-x^2            | (-(x ^ 2))",
        "2^x^2           | (2 ^ (x ^ 2))",
        "x^-2            | (x ^ (-2))",
        "2*-x            | (2 * (-x))",
        "2^-x^2          | (2 ^ (-(x ^ 2)))",
        "x^-y*3          | ((x ^ (-y)) * 3)",
        "a*-b^c          | (a * (-(b ^ c)))",
        "-2^2            | (-(2 ^ 2))",
        "a-b-c           | ((a - b) - c)",
        "a/b/c           | ((a / b) / c)",
        "a/b*c           | ((a / b) * c)",
        "a+b*c           | (a + (b * c))",
        "a*b+c           | ((a * b) + c)",
        "(a+b)*c         | ((a + b) * c)",
        "-a*b            | ((-a) * b)",
        "a - -b          | (a - (-b))",
        "--x             | (-(-x))",
        "+x              | x",
        "-+x             | (-x)",
        "((x))           | x",
        "sin(x)^2        | (sin(x) ^ 2)",
        "-sin(x)         | (-sin(x))",
        "sigmoid(relu(x)*2) + tanh(y) | (sigmoid((relu(x) * 2)) + tanh(y))",
        "x1^4*x2 + sin(x1) + log(x2)  | ((((x1 ^ 4) * x2) + sin(x1)) + log(x2))",
    })
    void groupsByPrecedenceAndAssociativity(String source, String grouped) {
        assertEquals(grouped, ExprPrinter.parenthesized(Expression.parse(source).root()));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"3.5e-1, 0.35", ".5, 0.5", "2., 2.0", "1E+3, 1000.0", "2.5E-3, 0.0025", "007, 7.0", "1e-400, 0.0"})
    void readsDecimalNumbersWithExponents(String text, double value) {
        Expr.Constant constant = assertInstanceOf(Expr.Constant.class, Expression.parse(text).root());
        assertEquals(value, constant.value());
        assertEquals(text, constant.text());
    }

    @Test
    void listsVariablesInOrderOfFirstAppearance() {
        assertEquals(List.of("y", "x", "z_1"), Expression.parse("y*x + x^2 + sin(z_1*y)").variables());
        assertEquals(List.of(), Expression.parse("2 + 3").variables());
    }

    @Test
    void nodesRememberTheirColumns() {
        Expr.Binary sum = assertInstanceOf(Expr.Binary.class, Expression.parse("x1 + sin(x2)").root());
        assertEquals(4, sum.column());
        assertEquals(1, sum.left().column());
        assertEquals(6, sum.right().column());
    }

    @ParameterizedTest(name = "''{0}'' fails at column {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "2*(x+ 3     | 8 | expected ')' to close the '(' at column 3, found end of input",
        "5*x1 + * 3  | 8 | expected a number, a variable, a function call, '(' or a sign, found '*'",
        "x y         | 3 | expected an operator (+ - * / ^), ')' or the end of the expression, found name 'y'",
        "2x          | 2 | found name 'x'",
        "x + )       | 5 | found ')'",
        "x)          | 2 | found ')' without a matching '('",
        "()          | 2 | found ')'",
        "sin()       | 5 | found ')'",
        "foo(x)      | 1 | unknown function 'foo'; expected one of sin, cos, tan, exp, log, sqrt, abs, tanh, sigmoid, relu",
        "2 * bar(x)  | 5 | unknown function 'bar'",
        "sin x       | 5 | expected '(' after function name 'sin', found name 'x'",
        "x + sin     | 8 | expected '(' after function name 'sin', found end of input",
        "sqrt(x      | 7 | expected ')' to close the '(' at column 5",
        "1e          | 3 | expected a digit in the exponent of number '1e', found end of input",
        "2.5e+x      | 6 | expected a digit in the exponent of number '2.5e+', found 'x'",
        "x # 2       | 3 | unexpected character '#'",
        ".           | 2 | expected a digit after '.', found end of input",
        "1e999       | 1 | number '1e999' is too large for float64",
        "x^          | 3 | found end of input",
    })
    void reportsTheColumnAndWhatWasExpected(String source, int column, String detail) {
        ExpressionSyntaxException e = assertThrows(ExpressionSyntaxException.class, () -> Expression.parse(source));
        assertEquals(column, e.column(), e.getMessage());
        assertTrue(e.detail().contains(detail), () -> "detail '" + e.detail() + "' lacks '" + detail + "'");
        assertTrue(e.getMessage().startsWith("syntax error at column " + column + ": "), e.getMessage());
        assertEquals(source, e.source());
        assertEquals(" ".repeat(column - 1) + "^", e.caretLine());
    }

    @Test
    void emptyExpressionIsASyntaxErrorAtColumnOne() {
        ExpressionSyntaxException e = assertThrows(ExpressionSyntaxException.class, () -> Expression.parse("   "));
        assertEquals(4, e.column());
        assertTrue(e.detail().endsWith("found end of input"));
    }

    @Test
    void caretLineCopiesTabsSoItLinesUp() {
        ExpressionSyntaxException e = assertThrows(ExpressionSyntaxException.class, () -> Expression.parse("\tx $"));
        assertEquals(4, e.column());
        assertEquals("\t  ^", e.caretLine());
    }

    @Test
    void acceptsNestingUpToTheLimit() {
        int n = Parser.MAX_NESTING;
        Expression parens = Expression.parse("(".repeat(n) + "x" + ")".repeat(n));
        assertInstanceOf(Expr.Variable.class, parens.root());
        Expression powers = Expression.parse("x^".repeat(n) + "x");
        assertEquals(List.of("x"), powers.variables());
    }

    @Test
    void rejectsDeeperNestingWithASyntaxErrorNotAStackOverflow() {
        int n = Parser.MAX_NESTING + 1;
        for (String source : List.of("(".repeat(n) + "x" + ")".repeat(n), "-".repeat(n) + "x", "x^".repeat(n) + "x",
                "sin(".repeat(n) + "x" + ")".repeat(n), "2*(".repeat(n) + "x" + ")".repeat(n))) {
            ExpressionSyntaxException e = assertThrows(ExpressionSyntaxException.class, () -> Expression.parse(source));
            assertTrue(e.detail().startsWith("expression nested too deeply: more than 10000 levels"), e.getMessage());
        }
    }

    @Test
    void longFlatSumsAreNotNestingAndEvaluateWithoutRecursion() {
        int terms = 100_001;
        Expression sum = Expression.parse("x" + "+x".repeat(terms - 1));
        Gradient reverse = ReverseGradient.compute(sum, Map.of("x", 0.5)).gradient();
        assertEquals(terms * 0.5, reverse.value());
        assertEquals(terms, reverse.partials().get("x"));
        assertEquals(terms, ForwardGradient.compute(sum, Map.of("x", 0.5)).partials().get("x"));
    }
}
