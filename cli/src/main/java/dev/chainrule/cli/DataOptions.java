package dev.chainrule.cli;

import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The data set options shared by the training and evaluation commands: an IDX directory or a pair of CSV files. */
final class DataOptions {

    @Option(names = "--data", paramLabel = "DIR",
            description = "Directory with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and"
                    + " t10k-labels-idx1-ubyte, raw or .gz (default: Fashion-MNIST from Debian's dataset-fashion-mnist,"
                    + " /usr/share/datasets/fashion-mnist).")
    Path dataDir;

    @Option(names = "--train", paramLabel = "FILE",
            description = "CSV training set: label in the first column, features after it, optional header. Needs --test.")
    Path trainCsv;

    @Option(names = "--test", paramLabel = "FILE", description = "CSV test set, same layout as --train.")
    Path testCsv;

    /** Loads the chosen train and test sets, or fails with an input error naming the conflicting options. */
    DataSplit load() throws InputException {
        if (csv()) {
            if (trainCsv == null || testCsv == null) {
                throw new InputException("CSV data needs both --train FILE and --test FILE");
            }
            return DataSplit.fromCsv(trainCsv, testCsv);
        }
        return dataDir != null ? DataSplit.fromIdx(dataDir) : DataSplit.fashionMnist();
    }

    /** Loads only the test set: {@code --test FILE}, or the test split of the IDX directory. */
    Dataset loadTest() throws InputException {
        if (trainCsv != null) {
            throw new InputException("--train is not used here; give the test set with --test FILE or --data DIR");
        }
        return csv() ? Dataset.fromCsv(testCsv) : load().test();
    }

    private boolean csv() throws InputException {
        boolean csv = trainCsv != null || testCsv != null;
        if (csv && dataDir != null) {
            throw new InputException("--data cannot be combined with --train/--test; choose an IDX directory or CSV files");
        }
        return csv;
    }

    /** These options as command-line arguments, for worker processes that must load the same data. */
    List<String> asArguments() {
        List<String> args = new ArrayList<>();
        if (dataDir != null) {
            args.addAll(List.of("--data", dataDir.toAbsolutePath().toString()));
        }
        if (trainCsv != null) {
            args.addAll(List.of("--train", trainCsv.toAbsolutePath().toString()));
        }
        if (testCsv != null) {
            args.addAll(List.of("--test", testCsv.toAbsolutePath().toString()));
        }
        return args;
    }

    /** Where the data comes from, for the run's header line. */
    String describe() {
        if (trainCsv != null || testCsv != null) {
            return "CSV " + (trainCsv != null ? trainCsv + " / " : "") + testCsv;
        }
        return "IDX " + (dataDir != null ? dataDir : DataSplit.FASHION_MNIST_DIR);
    }
}
