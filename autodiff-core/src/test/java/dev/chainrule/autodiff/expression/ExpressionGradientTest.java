package dev.chainrule.autodiff.expression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ExpressionGradientTest {
    private static final double TOLERANCE = 1e-12;

    @Test
    void readmeLinearExample() {
        Expression f = Expression.parse("5*x1 + 3*x2");
        Map<String, Double> at = Map.of("x1", 2.0, "x2", -1.0);
        for (Gradient g : List.of(ReverseGradient.compute(f, at).gradient(), ForwardGradient.compute(f, at))) {
            assertEquals(7.0, g.value());
            assertEquals(List.of("x1", "x2"), List.copyOf(g.partials().keySet()));
            assertEquals(5.0, g.partials().get("x1"));
            assertEquals(3.0, g.partials().get("x2"));
        }
    }

    /** ∂/∂x1 = 4·x1³·x2 + cos x1 and ∂/∂x2 = x1⁴ + 1/x2, at several points, in both modes. */
    @ParameterizedTest(name = "x1={0}, x2={1}")
    @CsvSource({"2, 1", "1.5, 0.5", "-0.7, 2.25", "0.1, 3", "-1.3, 0.05"})
    void readmeNonlinearExampleMatchesClosedForm(double x1, double x2) {
        Expression f = Expression.parse("x1^4*x2 + sin(x1) + log(x2)");
        Map<String, Double> at = Map.of("x1", x1, "x2", x2);
        double value = Math.pow(x1, 4) * x2 + Math.sin(x1) + Math.log(x2);
        double byX1 = 4 * Math.pow(x1, 3) * x2 + Math.cos(x1);
        double byX2 = Math.pow(x1, 4) + 1 / x2;
        for (Gradient g : List.of(ReverseGradient.compute(f, at).gradient(), ForwardGradient.compute(f, at))) {
            assertEquals(value, g.value(), TOLERANCE);
            assertEquals(byX1, g.partials().get("x1"), TOLERANCE);
            assertEquals(byX2, g.partials().get("x2"), TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "5*x1 + 3*x2",
        "x1^4*x2 + sin(x1) + log(x2)",
        "sigmoid(w*x + b)",
        "tanh(x*y) / (1 + x^2)",
        "exp(-x^2) * cos(3*y)",
        "sqrt(x^2 + y^2)",
        "x^y + y^x",
        "2^x^2 - x^-2",
        "abs(x - y) + relu(y - x) + relu(x)",
        "tan(x) - log(y)*x",
        "(x + y)^3 / (x - y)",
        "x*x*x - 3*x*y + -x*-y",
        "sigmoid(-x) * relu(y) / sqrt(w)",
        "sin(cos(tan(x*y)))",
    })
    void forwardModeAgreesWithReverseMode(String source) {
        Expression f = Expression.parse(source);
        for (double[] p : new double[][] {{0.7, 1.3}, {1.9, 0.4}, {1.2, 2.5}}) {
            Map<String, Double> at = Map.of("x", p[0], "y", p[1], "x1", p[1], "x2", p[0], "w", 0.5 + p[1], "b", -p[0]);
            Gradient reverse = ReverseGradient.compute(f, at).gradient();
            Gradient forward = ForwardGradient.compute(f, at);
            assertEquals(reverse.value(), forward.value(), TOLERANCE);
            assertEquals(f.variables(), List.copyOf(forward.partials().keySet()));
            assertEquals(f.variables(), List.copyOf(reverse.partials().keySet()));
            for (String v : f.variables()) {
                double r = reverse.partials().get(v);
                assertEquals(r, forward.partials().get(v), TOLERANCE * Math.max(1, Math.abs(r)), source + " d/d" + v);
            }
        }
    }

    @Test
    void reverseModeAgreesWithCentralDifferences() {
        Expression f = Expression.parse("sigmoid(x*y) * exp(-x) + sqrt(1 + y^2) / x");
        Map<String, Double> at = Map.of("x", 0.8, "y", -1.7);
        Gradient g = ReverseGradient.compute(f, at).gradient();
        double h = 1e-6;
        double dx = (value(f, 0.8 + h, -1.7) - value(f, 0.8 - h, -1.7)) / (2 * h);
        double dy = (value(f, 0.8, -1.7 + h) - value(f, 0.8, -1.7 - h)) / (2 * h);
        assertEquals(dx, g.partials().get("x"), 1e-8);
        assertEquals(dy, g.partials().get("y"), 1e-8);
    }

    private static double value(Expression f, double x, double y) {
        return ForwardGradient.compute(f, Map.of("x", x, "y", y)).value();
    }

    @Test
    void constantExponentAllowsANegativeBase() {
        assertGradient("x^2", -3.0, 9.0, -6.0);
        assertGradient("x^3", -2.0, -8.0, 12.0);
        assertGradient("x^-2", 2.0, 0.25, -0.25);
        assertGradient("x^(1+1)", -3.0, 9.0, -6.0);
        assertGradient("-x^2", 3.0, -9.0, -6.0);
    }

    @Test
    void variableExponentUsesTheTensorPower() {
        assertGradient("2^x", 3.0, 8.0, 8 * Math.log(2));
        assertGradient("x^x", 2.0, 4.0, 4 * (Math.log(2) + 1));
    }

    @Test
    void variableUsedTwiceAccumulatesBothPaths() {
        assertGradient("x*x", 3.0, 9.0, 6.0);
        assertGradient("x + sin(x)", 0.5, 0.5 + Math.sin(0.5), 1 + Math.cos(0.5));
    }

    private static void assertGradient(String source, double x, double value, double partial) {
        Expression f = Expression.parse(source);
        for (Gradient g : List.of(ReverseGradient.compute(f, Map.of("x", x)).gradient(),
                ForwardGradient.compute(f, Map.of("x", x)))) {
            assertEquals(value, g.value(), TOLERANCE, source);
            assertEquals(partial, g.partials().get("x"), TOLERANCE, source);
        }
    }

    @Test
    void expressionWithoutVariablesHasAValueAndNoPartials() {
        Expression f = Expression.parse("2 + 3*sin(0)");
        assertEquals(new Gradient(2.0, Map.of()), ReverseGradient.compute(f, Map.of()).gradient());
        assertEquals(new Gradient(2.0, Map.of()), ForwardGradient.compute(f, Map.of()));
    }

    @Test
    void reverseModeRecordsEveryNodeAndItsAdjoint() {
        ReverseGradient r = ReverseGradient.compute(Expression.parse("5*x1 + 3*x2"), Map.of("x1", 2.0, "x2", -1.0));
        Evaluation graph = r.evaluation();
        assertEquals(List.of("5.0 * 2.0", "3.0 * (-1.0)", "10.0 + (-3.0)"),
                graph.steps().stream().map(Evaluation.Step::description).toList());
        assertEquals(1.0, r.adjoints().of(graph.output()).item());
        assertEquals(5.0, r.adjoints().of(graph.variables().get("x1")).item());
        assertEquals(5.0, graph.variables().get("x1").grad().item());
    }

    @Test
    void missingValuesAreNamed() {
        Expression f = Expression.parse("x*y + z");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReverseGradient.compute(f, Map.of("x", 1.0)));
        assertTrue(e.getMessage().startsWith("no value for variables y, z"), e.getMessage());
        assertEquals(List.of("y", "z"), f.unbound(Map.of("x", 1.0)));
    }

    @ParameterizedTest(name = "{0} at x={1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "log(x)        | -1    | log of -1.0 is undefined (needs an argument > 0)",
        "log(x)        | 0     | log of 0.0 is undefined",
        "log(x - x)    | 2     | log of 0.0 is undefined",
        "sqrt(x)       | -4    | sqrt of -4.0 is undefined (needs an argument >= 0)",
        "1/x           | 0     | division by zero in 1.0 / 0.0",
        "x/(x - 2)     | 2     | division by zero in 2.0 / 0.0",
        "x^0.5         | -1    | (-1.0) ^ 0.5 is undefined (a negative base needs an integer exponent)",
        "(-8)^(1/3)+x  | 1     | (-8.0) ^ 0.3333333333333333 is undefined",
        "x^y           | -2    | (-2.0) ^ 0.5 is undefined",
        "x^-1          | 0     | 0.0 ^ (-1.0) is undefined (zero to a negative power)",
        "exp(x)        | 1000  | exp(1000.0) = Infinity is not a finite number",
        "x*1e308*10    | 1     | 1.0E308 * 10.0 = Infinity is not a finite number",
        "sqrt(x)       | 0     | ∂f/∂x = Infinity is not a finite number (the derivative first becomes non-finite at sqrt(0.0))",
        "x^0.5 + 1     | 0     | ∂f/∂x = Infinity is not a finite number (the derivative first becomes non-finite at 0.0 ^ 0.5)",
        "0*sqrt(x)     | 0     | ∂f/∂x = NaN is not a finite number (the derivative first becomes non-finite at sqrt(0.0))",
    })
    void domainErrorsNameTheOperationAndItsArgument(String source, double x, String detail) {
        Expression f = Expression.parse(source);
        Map<String, Double> at = Map.of("x", x, "y", 0.5);
        ExpressionDomainException reverse = assertThrows(ExpressionDomainException.class,
                () -> ReverseGradient.compute(f, at));
        ExpressionDomainException forward = assertThrows(ExpressionDomainException.class,
                () -> ForwardGradient.compute(f, at));
        assertTrue(reverse.getMessage().startsWith("domain error: " + detail), reverse.getMessage());
        assertEquals(reverse.getMessage(), forward.getMessage());
    }

    @Test
    void negativeBaseToAVariableIntegerExponentHasNoDerivativeByTheExponent() {
        Expression f = Expression.parse("x^y");
        ExpressionDomainException e = assertThrows(ExpressionDomainException.class,
                () -> ReverseGradient.compute(f, Map.of("x", -2.0, "y", 2.0)));
        assertEquals("domain error: ∂f/∂y = NaN is not a finite number"
                + " (the derivative first becomes non-finite at (-2.0) ^ 2.0)", e.getMessage());
    }

    @Test
    void nonFiniteVariableValuesAreDomainErrors() {
        ExpressionDomainException e = assertThrows(ExpressionDomainException.class,
                () -> ForwardGradient.compute(Expression.parse("x + 1"), Map.of("x", Double.NaN)));
        assertEquals("domain error: the value of x = NaN is not a finite number", e.getMessage());
    }

    @Test
    void constantPowerNamesItsOutputForPictures() {
        Evaluation e = Evaluator.evaluate(Expression.parse("x^2"), Map.of("x", 3.0), Leaves.plain());
        assertEquals("^2.0", e.output().name());
        assertNull(e.output().tangent());
    }
}
