package dev.chainrule.cli;

import dev.chainrule.cli.report.RunReport;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.train.Evaluation;
import dev.chainrule.weights.ModelWeights;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code chainrule eval}: the test accuracy, loss and confusion matrix of saved weights. */
@Command(name = "eval",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Evaluate saved MLP weights on a test set: accuracy, loss and confusion matrix.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Loads a safetensors file with tensors fc1.weight, fc1.bias, fc2.weight, ... (as written by"
                    + " 'chainrule train --save' or by PyTorch for a module whose Linear layers are fc1, fc2, ...),"
                    + " reads the layer widths from their shapes, and evaluates the model on the test split.",
            "The confusion matrix has one row per true label and one column per predicted label."
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:unexpected error (one line; --verbose for the stack trace)",
            "2:invalid input: options, data files, weights files"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  chainrule eval --weights weights.safetensors",
            "  chainrule eval --weights model.safetensors --activation tanh --test test.csv"
        })
public final class EvalCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--weights", paramLabel = "FILE", required = true, description = "The safetensors weights to evaluate.")
    private Path weights;

    @Option(names = "--activation", paramLabel = "relu|sigmoid|tanh",
            description = "Hidden activation; default: the one recorded in the file by 'chainrule train', else relu.")
    private String activation;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Also write DIR/index.html: a page that opens offline, without scripts, with the test loss and accuracy"
                    + " and the confusion matrix as a heatmap.")
    private Path report;

    @Mixin
    private DataOptions data = new DataOptions();

    @Mixin
    private ComputeOptions compute = new ComputeOptions();

    @Override
    public Integer call() throws IOException, InputException {
        compute.apply();
        PrintWriter out = spec.commandLine().getOut();
        ModelSpec modelSpec = ModelWeights.specOf(weights);
        Activation recorded = ModelWeights.activationOf(weights);
        Activation hidden = activation != null ? Activation.parse(activation) : recorded != null ? recorded : Activation.RELU;
        if (report != null) {
            ReportTarget.check(report);
        }
        Mlp model = ModelWeights.load(weights, modelSpec, hidden);
        Dataset test = data.loadTest();
        Evaluation result = Evaluation.of(model, test);
        out.printf(Locale.ROOT, "model %s %s from %s on %d samples of %s%n", modelSpec, hidden, weights, test.size(), test.source());
        out.printf(Locale.ROOT, "test loss %.4f  test accuracy %.2f%%%n%n", result.loss(), 100 * result.accuracy());
        out.print(ConfusionTable.render(result.confusion()));
        if (report != null) {
            String description = String.format(Locale.ROOT, "%s %s from %s on %d samples of %s", modelSpec, hidden, weights, test.size(),
                    test.source());
            out.println("wrote the report " + RunReport.evaluation(description, result).write(report));
        }
        out.flush();
        return ExitCode.OK;
    }

}
