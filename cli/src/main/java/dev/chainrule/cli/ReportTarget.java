package dev.chainrule.cli;

import dev.chainrule.cli.report.ReportPage;
import dev.chainrule.weights.OutputPathException;
import dev.chainrule.weights.OutputPaths;
import java.nio.file.Path;

/** Checks {@code --report DIR} before a run: this Java runtime can draw the plots, and DIR/index.html can be written. */
final class ReportTarget {
    private ReportTarget() {
    }

    static void check(Path dir) throws InputException, OutputPathException {
        if (ModuleLayer.boot().findModule("java.desktop").isEmpty()) {
            throw new InputException("--report " + dir + ": this Java runtime lacks the module java.desktop, which draws the"
                    + " report's plots (a full JDK or JRE has it)");
        }
        OutputPaths.file(OutputPaths.directory(dir).resolve(ReportPage.FILE));
    }
}
