package dev.chainrule.cli.report;

import dev.chainrule.coordinator.WorkerTimes;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's line and bar charts, made with JFreeChart from a {@link RunHistory} and the workers' times. */
public final class ReportCharts {
    static final Color BLUE = new Color(0x1f77b4);
    static final Color ORANGE = new Color(0xff7f0e);
    static final Color GREEN = new Color(0x2ca02c);

    private ReportCharts() {
    }

    /** Train and test loss per epoch. */
    public static JFreeChart loss(List<RunHistory.Epoch> epochs) {
        XYSeries train = new XYSeries("train loss (epoch mean)");
        XYSeries test = new XYSeries("test loss");
        for (RunHistory.Epoch e : epochs) {
            train.add(e.epoch(), e.trainLoss());
            test.add(e.epoch(), e.testLoss());
        }
        XYSeriesCollection data = new XYSeriesCollection(train);
        data.addSeries(test);
        JFreeChart chart = lines("Loss per epoch", "epoch", "cross-entropy loss", true, data, BLUE, ORANGE);
        integerAxis(chart);
        return chart;
    }

    /** Test accuracy per epoch, in percent. */
    public static JFreeChart accuracy(List<RunHistory.Epoch> epochs) {
        XYSeries accuracy = new XYSeries("test accuracy");
        epochs.forEach(e -> accuracy.add(e.epoch(), 100 * e.testAccuracy()));
        JFreeChart chart = lines("Test accuracy per epoch", "epoch", "accuracy (%)", false, new XYSeriesCollection(accuracy), GREEN);
        ((NumberAxis) chart.getXYPlot().getRangeAxis()).setAutoRangeMinimumSize(1);
        integerAxis(chart);
        return chart;
    }

    /** Samples per second over the run. */
    public static JFreeChart throughput(List<RunHistory.Throughput> points) {
        XYSeries series = new XYSeries("samples/s");
        points.forEach(p -> series.add(p.seconds(), p.samplesPerSecond()));
        JFreeChart chart = lines("Throughput over the run", "seconds since the first step", "samples/s", false,
                new XYSeriesCollection(series), BLUE);
        ((NumberAxis) chart.getXYPlot().getRangeAxis()).setAutoRangeIncludesZero(true);
        return chart;
    }

    /** Each worker's compute and communication time, one stacked bar a worker. */
    public static JFreeChart workerTimes(List<WorkerTimes.Entry> workers) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (WorkerTimes.Entry w : workers) {
            data.addValue(w.compute().toNanos() / 1e9, "compute (forward + backward)", w.worker());
            data.addValue(w.communication().toNanos() / 1e9, "communication (waiting, receiving, sending)", w.worker());
        }
        JFreeChart chart = ChartFactory.createStackedBarChart("Each worker's compute against communication", "worker", "seconds",
                data, PlotOrientation.HORIZONTAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        StackedBarRenderer renderer = (StackedBarRenderer) plot.getRenderer();
        renderer.setSeriesPaint(0, BLUE);
        renderer.setSeriesPaint(1, ORANGE);
        renderer.setShadowVisible(false);
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setMaximumBarWidth(0.25);
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return chart;
    }

    private static JFreeChart lines(String title, String x, String y, boolean legend, XYSeriesCollection data, Color... colours) {
        JFreeChart chart = ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, legend, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < colours.length; i++) {
            renderer.setSeriesPaint(i, colours[i]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        NumberAxis range = (NumberAxis) plot.getRangeAxis();
        range.setAutoRangeIncludesZero(false);
        range.setAutoRangeMinimumSize(0.01); // a single point or a flat line gets a readable axis
        style(chart);
        return chart;
    }

    private static void integerAxis(JFreeChart chart) {
        chart.getXYPlot().getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    }

    /** A white background and a plain title font. */
    static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    }
}
