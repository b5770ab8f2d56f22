package dev.chainrule.cli;

import dev.chainrule.autodiff.dot.DotWriter;
import dev.chainrule.autodiff.expression.Expression;
import dev.chainrule.autodiff.expression.ExpressionDomainException;
import dev.chainrule.autodiff.expression.ExpressionSyntaxException;
import dev.chainrule.autodiff.expression.ForwardGradient;
import dev.chainrule.autodiff.expression.Gradient;
import dev.chainrule.autodiff.expression.ReverseGradient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code chainrule grad}: parses a scalar expression, evaluates it at the point given with {@code
 * --at}, and prints its value and its partial derivatives, by reverse or forward mode. Input errors
 * (syntax, unknown function, missing value, domain) are reported here with exit code 2.
 */
@Command(name = "grad",
        mixinStandardHelpOptions = true,
        modelTransformer = GradCommand.ExpressionArgument.class,
        sortOptions = false,
        header = "Print the partial derivatives of a scalar expression at a point.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Evaluates EXPR in float64 at the point given with --at and prints f and ∂f/∂x for every"
                    + " variable x, computed by automatic differentiation: the expression becomes a graph of"
                    + " engine tensor ops, differentiated exactly (not symbolically, not by finite differences).",
            "",
            "Grammar of EXPR:",
            "  numbers     3  2.5  .5  2.  3.5e-1  1E+3",
            "  variables   letters, digits and _, not starting with a digit: x, x1, rate_2",
            "  operators   + - * / ^, unary minus (and plus), parentheses",
            "  functions   sin cos tan exp log sqrt abs tanh sigmoid relu, as name(expr)",
            "  precedence  + -  <  * /  <  unary minus  <  ^   (^ is right-associative):",
            "              -x^2 = -(x^2)   2^x^2 = 2^(x^2)   x^-2 = x^(-2)   2*-x = 2*(-x)",
            "A constant exponent (no variable in it) allows a negative base: x^2 at x = -3 is 9.",
            "",
            "Output: 'f = VALUE', then '∂f/∂NAME = VALUE' for each variable in order of first"
                    + " appearance; numbers are Java's Double.toString. With --json, one object on one line:"
                    + " {\"value\": V, \"gradient\": {\"NAME\": G, ...}}. Errors go to standard error.",
            "",
            "Errors (exit code 2): a syntax error shows the expression with a caret under the offending"
                    + " column; an unknown function or a variable without a value is named; a domain error"
                    + " (log of x <= 0, sqrt of x < 0, division by zero, a negative base to a non-integer"
                    + " power, a value or derivative that is not finite) names the operation and its argument.",
            "",
            "An EXPR starting with '-' is fine (-x^2) unless it looks like an option of this command"
                    + " (-h..., -V...); then put it after '--':",
            "  chainrule grad --at h=1 -- '-h^2'",
        },
        parameterListHeading = "%nArguments:%n",
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:unexpected error (one line; --verbose for the stack trace)",
            "2:invalid input: options, --at, syntax, unknown function, missing value, domain error"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  chainrule grad '5*x1 + 3*x2' --at x1=2,x2=-1",
            "      f = 7.0",
            "      ∂f/∂x1 = 5.0",
            "      ∂f/∂x2 = 3.0",
            "  chainrule grad 'x1^4*x2 + sin(x1) + log(x2)' --at x1=1.5 --at x2=.5 --json",
            "  chainrule grad 'sigmoid(w*x + b)' --at w=0.5,x=2,b=-1 --mode forward",
            "  chainrule grad 'x*y + sin(x)' --at x=1,y=2 --dot graph.dot",
            "  dot -Tsvg graph.dot -o graph.svg        (draw that graph with Graphviz)"
        })
public final class GradCommand implements Callable<Integer> {

    /** How the partials are computed. */
    enum Mode { REVERSE, FORWARD }

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EXPR",
            description = "The scalar expression, quoted for the shell, e.g. '5*x1 + 3*x2'.")
    private String expressionText;

    @Option(names = "--at", paramLabel = "NAME=VALUE", split = ",",
            description = "The point: a decimal value (negative and exponents allowed) for each variable,"
                    + " comma-separated or repeated: --at x1=2,x2=-1 or --at x1=2 --at x2=-1."
                    + " A name the expression does not use is ignored with a warning.")
    private List<String> at = new ArrayList<>();

    @Option(names = "--mode", paramLabel = "reverse|forward", defaultValue = "reverse",
            description = {
                "reverse (default): one forward pass records the graph, one backward pass gives every partial.",
                "forward: one forward pass per variable, carrying a tangent (a dual number) for that variable."
            })
    private Mode mode;

    @Option(names = "--json", description = "Print {\"value\": V, \"gradient\": {...}} on one line instead of text.")
    private boolean json;

    @Option(names = "--dot", paramLabel = "FILE",
            description = "Also write the computational graph to FILE in Graphviz DOT: one node per variable,"
                    + " constant and operation, labelled with its value and its adjoint ∂f/∂node, with edges from"
                    + " inputs to outputs. With --mode forward the adjoints come from an extra reverse pass.")
    private Path dot;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Expression expression = Expression.parse(expressionText);
            Map<String, Double> values = valuesFor(expression, err);
            ReverseGradient reverse = null;
            Gradient gradient;
            if (mode == Mode.REVERSE) {
                reverse = ReverseGradient.compute(expression, values);
                gradient = reverse.gradient();
            } else {
                gradient = ForwardGradient.compute(expression, values);
            }
            if (dot != null) {
                ReverseGradient picture = reverse != null ? reverse : ReverseGradient.compute(expression, values);
                if (!writeDot(picture, err)) {
                    return ExitCode.SOFTWARE;
                }
            }
            out.println((json ? GradientFormat.JSON : GradientFormat.PLAIN).render(gradient));
            out.flush();
            return ExitCode.OK;
        } catch (ExpressionSyntaxException e) {
            err.println(e.getMessage());
            err.println("  " + oneLine(e.source()));
            err.println("  " + e.caretLine());
        } catch (ExpressionDomainException e) {
            err.println(e.getMessage());
        } catch (InputException e) {
            err.println("error: " + e.getMessage());
        }
        err.flush();
        return ExitCode.USAGE;
    }

    /** The --at values of the expression's variables; warns about the others, fails on missing ones. */
    private Map<String, Double> valuesFor(Expression expression, PrintWriter err) throws InputException {
        Map<String, Double> values = Bindings.parse(at);
        List<String> unused = new ArrayList<>(values.keySet());
        unused.removeAll(expression.variables());
        for (String name : unused) {
            err.println("warning: --at " + name + ": the expression has no variable " + name + "; ignored");
            values.remove(name);
        }
        List<String> missing = expression.unbound(values);
        if (!missing.isEmpty()) {
            throw new InputException("no value for variable" + (missing.size() == 1 ? " " : "s ")
                    + String.join(", ", missing) + "; give " + (missing.size() == 1 ? "it" : "them")
                    + " with --at, e.g. --at " + missing.get(0) + "=1.0");
        }
        return values;
    }

    /** Writes the picture of the recorded graph; false (after saying why) if the file cannot be written. */
    private boolean writeDot(ReverseGradient graph, PrintWriter err) {
        String text = DotWriter.toDot(graph.evaluation().output(), graph.adjoints());
        try {
            Files.writeString(dot, text, StandardCharsets.UTF_8);
            return true;
        } catch (IOException e) {
            err.println("error: cannot write the --dot file " + dot + " (" + e + ")");
            err.flush();
            return false;
        }
    }

    /** Line breaks shown as spaces, so the caret line still lines up under a one-line echo. */
    private static String oneLine(String source) {
        return source.replace('\n', ' ').replace('\r', ' ');
    }

    /**
     * Lets EXPR start with '-' ({@code -x^2}) instead of being taken for an unknown option, and accepts
     * {@code --mode} values in any case.
     */
    static final class ExpressionArgument implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            spec.parser().unmatchedOptionsArePositionalParams(true);
            spec.parser().caseInsensitiveEnumValuesAllowed(true);
            return spec;
        }
    }
}
