package dev.chainrule.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code chainrule grad} in-process through Main's command line, capturing stdout and stderr. */
class GradCommandTest {

    /** What one run printed and returned. */
    record Run(int exitCode, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void printsValueThenPartialsInOrderOfFirstAppearance() {
        Run run = run("grad", "5*x1 + 3*x2", "--at", "x1=2,x2=-1");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of("f = 7.0", "∂f/∂x1 = 5.0", "∂f/∂x2 = 3.0"), run.outLines());
        assertEquals("", run.err());
    }

    @Test
    void atMayBeRepeatedAndGivenInAnyOrder() {
        Run run = run("grad", "x1^4*x2 + sin(x1) + log(x2)", "--at", "x2=0.5", "--at", "x1=1.5e0");
        assertEquals(0, run.exitCode(), run.err());
        double x1 = 1.5;
        double x2 = 0.5;
        assertEquals(List.of(
                "f = " + (Math.pow(x1, 4) * x2 + Math.sin(x1) + Math.log(x2)),
                "∂f/∂x1 = " + (4 * Math.pow(x1, 3) * x2 + Math.cos(x1)),
                "∂f/∂x2 = " + (Math.pow(x1, 4) + 1 / x2)), run.outLines());
    }

    @Test
    void forwardModePrintsTheSameAsReverseMode() {
        String[] expressions = {"5*x1 + 3*x2", "sigmoid(x1*x2) - x2^-2 + tanh(x1)", "exp(-x1^2) * cos(3*x2)"};
        for (String expression : expressions) {
            Run reverse = run("grad", expression, "--at", "x1=0.3,x2=-1.25");
            Run forward = run("grad", expression, "--at", "x1=0.3,x2=-1.25", "--mode", "forward");
            assertEquals(0, forward.exitCode(), forward.err());
            assertEquals(reverse.outLines().size(), forward.outLines().size());
            for (int i = 0; i < reverse.outLines().size(); i++) {
                double r = number(reverse.outLines().get(i));
                assertEquals(r, number(forward.outLines().get(i)), 1e-12 * Math.max(1, Math.abs(r)), expression);
            }
        }
    }

    private static double number(String line) {
        return Double.parseDouble(line.substring(line.indexOf(" = ") + 3));
    }

    @Test
    void jsonIsExactlyOneObjectOnOneLine() {
        Run run = run("grad", "5*x1 + 3*x2", "--at", "x1=2,x2=-1", "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(1, run.outLines().size());
        String json = run.outLines().get(0);
        assertEquals("{\"value\": 7.0, \"gradient\": {\"x1\": 5.0, \"x2\": 3.0}}", json);
        assertOneJsonObject(json);
    }

    @Test
    void jsonOfAnExpressionWithoutVariablesHasAnEmptyGradient() {
        Run run = run("grad", "2^10", "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("{\"value\": 1024.0, \"gradient\": {}}", run.out().strip());
        assertOneJsonObject(run.out().strip());
    }

    /** Braces balance, the top-level object closes only at the last character, keys are quoted. */
    private static void assertOneJsonObject(String json) {
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        int depth = 0;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            assertTrue(depth > 0 || i == json.length() - 1, () -> "object closes early in " + json);
        }
        assertEquals(0, depth);
        assertTrue(json.matches("\\{\"value\": [-0-9.E]+, \"gradient\": \\{(\"\\w+\": [-0-9.E]+(, )?)*}}"), json);
    }

    @Test
    void negativeZeroIsPrintedAsZero() {
        Run run = run("grad", "-x*y", "--at", "x=0,y=0");
        assertEquals(List.of("f = 0.0", "∂f/∂x = 0.0", "∂f/∂y = 0.0"), run.outLines());
    }

    @Test
    void expressionMayStartWithMinus() {
        Run run = run("grad", "-x^2", "--at", "x=3");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of("f = -9.0", "∂f/∂x = -6.0"), run.outLines());
        Run afterDashes = run("grad", "--at", "h=1", "--", "-h^2");
        assertEquals(List.of("f = -1.0", "∂f/∂h = -2.0"), afterDashes.outLines());
    }

    @Test
    void unusedAtNamesAreIgnoredWithAWarning() {
        Run run = run("grad", "2*x", "--at", "x=1,z=5");
        assertEquals(0, run.exitCode());
        assertEquals(List.of("f = 2.0", "∂f/∂x = 2.0"), run.outLines());
        assertEquals(List.of("warning: --at z: the expression has no variable z; ignored"), run.errLines());
    }

    @Test
    void syntaxErrorShowsACaretUnderTheColumnAndExits2() {
        Run run = run("grad", "5*x1 + * 3", "--at", "x1=1");
        assertEquals(2, run.exitCode());
        assertEquals("", run.out());
        assertEquals(List.of(
                "syntax error at column 8: expected a number, a variable, a function call, '(' or a sign, found '*'",
                "  5*x1 + * 3",
                "         ^"), run.errLines());
        List<String> lines = run.errLines();
        assertEquals(lines.get(1).indexOf('*', 4), lines.get(2).indexOf('^'), "caret under the offending '*'");
    }

    @Test
    void unclosedParenthesisPointsAtTheEnd() {
        Run run = run("grad", "2*(x+ 3", "--at", "x=1");
        assertEquals(2, run.exitCode());
        assertEquals("  " + " ".repeat(7) + "^", run.errLines().get(2));
        assertTrue(run.errLines().get(0).contains("expected ')'"), run.err());
    }

    @Test
    void unknownFunctionIsNamedAndExits2() {
        Run run = run("grad", "x + foo(x)", "--at", "x=1");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("unknown function 'foo'"), run.err());
        assertEquals("      ^", run.errLines().get(2));
    }

    @Test
    void missingVariableIsNamedAndExits2() {
        Run run = run("grad", "5*x1 + 3*x2", "--at", "x1=2");
        assertEquals(2, run.exitCode());
        assertEquals(List.of("error: no value for variable x2; give it with --at, e.g. --at x2=1.0"), run.errLines());
        Run none = run("grad", "a*b");
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("no value for variables a, b"), none.err());
    }

    @Test
    void logOfANegativeIsADomainError() {
        Run run = run("grad", "log(x)", "--at", "x=-1");
        assertEquals(2, run.exitCode());
        assertEquals("", run.out());
        assertEquals(List.of("domain error: log of -1.0 is undefined (needs an argument > 0)"), run.errLines());
    }

    @Test
    void divisionByZeroIsADomainError() {
        for (String mode : List.of("reverse", "forward")) {
            Run run = run("grad", "1/x", "--at", "x=0", "--mode", mode);
            assertEquals(2, run.exitCode());
            assertEquals(List.of("domain error: division by zero in 1.0 / 0.0"), run.errLines());
        }
    }

    @Test
    void nonFiniteDerivativeIsADomainErrorNamingTheOperation() {
        Run run = run("grad", "sqrt(x)", "--at", "x=0");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("domain error: ∂f/∂x = Infinity"), run.err());
        assertTrue(run.err().contains("sqrt(0.0)"), run.err());
    }

    @Test
    void badAtSyntaxExits2WithAClearMessage() {
        assertAtError("error: --at 'x1' is not NAME=VALUE (e.g. --at x1=2,x2=-1)", "x1");
        assertAtError("error: --at 'x=abc': 'abc' is not a decimal number (e.g. 2, -1.5, .5, 3e-4)", "x=abc");
        assertAtError("error: --at 'x=NaN': 'NaN' is not a decimal number (e.g. 2, -1.5, .5, 3e-4)", "x=NaN");
        assertAtError("error: --at '1x=2': '1x' is not a variable name (letters, digits and _, not starting with a digit)",
                "1x=2");
        assertAtError("error: --at 'x=1e400': 1e400 is too large for float64", "x=1e400");
        assertAtError("error: --at gives x twice (1.0 and 2.0)", "x=1,x=2");
    }

    private static void assertAtError(String message, String at) {
        Run run = run("grad", "x", "--at", at);
        assertEquals(2, run.exitCode(), at);
        assertEquals(List.of(message), run.errLines());
    }

    @Test
    void atAcceptsSignsAndExponents() {
        Run run = run("grad", "a + b + c + d", "--at", "a=-1,b=+2.5e-1,c=.5,d=3.", "--json");
        assertEquals("{\"value\": 2.75, \"gradient\": {\"a\": 1.0, \"b\": 1.0, \"c\": 1.0, \"d\": 1.0}}", run.out().strip());
    }

    @Test
    void badModeExits2() {
        Run run = run("grad", "x", "--at", "x=1", "--mode", "sideways");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--mode"), run.err());
        assertTrue(run.err().contains("Try 'chainrule grad --help'"), run.err());
    }

    @Test
    void dotWritesTheGraphWithValuesAndAdjoints(@TempDir Path dir) throws IOException {
        for (String mode : List.of("reverse", "forward")) {
            Path file = dir.resolve(mode + ".dot");
            Run run = run("grad", "x*y + sin(x)", "--at", "x=1,y=2", "--mode", mode, "--dot", file.toString());
            assertEquals(0, run.exitCode(), run.err());
            assertEquals(3, run.outLines().size());
            String dot = Files.readString(file);
            assertTrue(dot.startsWith("digraph chainrule {"), dot);
            assertEquals(5, dot.lines().filter(l -> l.contains("[shape=")).count(), dot);
            assertEquals(5, dot.lines().filter(l -> l.contains(" -> ")).count(), dot);
            assertTrue(dot.contains("label=\"x\\nvalue = 1.0\\nadjoint = " + (2 + Math.cos(1)) + "\""), dot);
        }
    }

    @Test
    void unwritableDotFileIsAOneLineErrorWithExit1(@TempDir Path dir) {
        Path file = dir.resolve("missing-directory").resolve("graph.dot");
        Run run = run("grad", "x", "--at", "x=1", "--dot", file.toString());
        assertEquals(1, run.exitCode());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().startsWith("error: cannot write the --dot file " + file), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void helpExplainsTheGrammar() {
        Run run = run("grad", "--help");
        assertEquals(0, run.exitCode());
        String help = run.out();
        for (String expected : List.of("Usage: chainrule grad", "EXPR", "--at", "--mode", "--json", "--dot",
                "Grammar", "sin cos tan exp log sqrt abs tanh sigmoid relu", "3.5e-1", "right-associative",
                "-x^2 = -(x^2)", "2^x^2 = 2^(x^2)", "x^-2 = x^(-2)", "Examples:", "Exit codes:",
                "adjoint", "extra reverse pass")) {
            assertTrue(help.contains(expected), () -> "help lacks '" + expected + "':\n" + help);
        }
    }
}
