/**
 * The run report of {@code --report DIR}: one HTML page, {@code DIR/index.html}, that opens offline
 * and runs no script, with the run's plots drawn by JFreeChart and embedded as SVG (JFreeSVG).
 *
 * <p>{@link dev.chainrule.cli.report.RunHistory} listens to the trainer and keeps what the plots
 * need (per epoch: train and test loss, test accuracy; samples/s over the run; the final confusion
 * matrix); {@link dev.chainrule.cli.report.ReportCharts} and
 * {@link dev.chainrule.cli.report.ConfusionHeatmap} make the charts;
 * {@link dev.chainrule.cli.report.ReportPage} writes the page. Nothing here runs during a step:
 * the listener stores a few numbers per step, and the page is drawn once, after the run.
 */
package dev.chainrule.cli.report;
