package dev.chainrule.cli.report;

import java.awt.Color;
import java.awt.Font;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * A confusion matrix as a JFreeChart heatmap: one cell per (true, predicted) label pair, its colour
 * the share of the true label's samples predicted so (the row's recall on the diagonal), its text
 * the count. True labels run down, predicted labels across, as in {@code chainrule eval}'s table.
 */
public final class ConfusionHeatmap {
    private static final int SHADES = 50;

    private ConfusionHeatmap() {
    }

    /** The heatmap of {@code confusion}, indexed [true label][predicted label]. */
    public static JFreeChart of(int[][] confusion) {
        int n = confusion.length;
        double[][] cells = new double[3][n * n];
        XYPlot plot = new XYPlot();
        for (int t = 0; t < n; t++) {
            long rowTotal = 0;
            for (int count : confusion[t]) {
                rowTotal += count;
            }
            for (int p = 0; p < n; p++) {
                int i = t * n + p;
                double share = rowTotal == 0 ? 0 : (double) confusion[t][p] / rowTotal;
                cells[0][i] = p;
                cells[1][i] = t;
                cells[2][i] = share;
                XYTextAnnotation count = new XYTextAnnotation(Integer.toString(confusion[t][p]), p, t);
                count.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, n > 12 ? 8 : 11));
                count.setPaint(share > 0.5 ? Color.WHITE : Color.BLACK);
                plot.addAnnotation(count);
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("confusion", cells);
        LookupPaintScale scale = new LookupPaintScale(0, 1.0000001, Color.WHITE);
        for (int s = 0; s <= SHADES; s++) {
            scale.add((double) s / SHADES, shade((double) s / SHADES));
        }
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        plot.setDataset(data);
        plot.setRenderer(renderer);
        plot.setDomainAxis(labelAxis("predicted label", n, false));
        plot.setRangeAxis(labelAxis("true label", n, true));
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        JFreeChart chart = new JFreeChart("Confusion matrix of the test set", JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        NumberAxis legendAxis = new NumberAxis("share of the true label's samples");
        legendAxis.setRange(0, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        legend.setStripWidth(12);
        chart.addSubtitle(legend);
        ReportCharts.style(chart);
        return chart;
    }

    private static NumberAxis labelAxis(String label, int classes, boolean inverted) {
        NumberAxis axis = new NumberAxis(label);
        axis.setRange(-0.5, classes - 0.5);
        axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        axis.setInverted(inverted);
        return axis;
    }

    /** The colour of a cell whose share is {@code share}, rounded down to a fiftieth: white to dark blue. */
    static Color shade(double share) {
        double f = Math.floor(share * SHADES) / SHADES;
        return new Color(mix(0xf7, 0x08, f), mix(0xfb, 0x30, f), mix(0xff, 0x6b, f));
    }

    private static int mix(int from, int to, double f) {
        return (int) Math.round(from + (to - from) * f);
    }
}
