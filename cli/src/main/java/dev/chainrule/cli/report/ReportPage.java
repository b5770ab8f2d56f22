package dev.chainrule.cli.report;

import dev.chainrule.weights.AtomicFiles;
import dev.chainrule.weights.OutputPaths;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.svg.SVGGraphics2D;

/**
 * One HTML page of facts and figures: a table of facts, then each chart drawn as inline SVG (or a
 * note where a chart has nothing to show). The page needs no script, no network and no other file.
 * Build it with {@link #fact}, {@link #chart} and {@link #note}, then {@link #write} it once.
 */
public final class ReportPage {
    /** The page's file name in the report's directory. */
    public static final String FILE = "index.html";

    private final String title;
    private final List<String[]> facts = new ArrayList<>();
    private final List<String> sections = new ArrayList<>();

    /** An empty page titled {@code title}. */
    public ReportPage(String title) {
        this.title = title;
    }

    /** Adds a row to the table of facts. Returns this page. */
    public ReportPage fact(String label, String value) {
        facts.add(new String[] {label, value});
        return this;
    }

    /** Adds {@code chart}, drawn {@code width} × {@code height} pixels, with an explanation below it. Returns this page. */
    public ReportPage chart(JFreeChart chart, int width, int height, String caption) {
        SVGGraphics2D g = new SVGGraphics2D(width, height);
        g.setDefsKeyPrefix("chart" + sections.size() + "_"); // ids stay unique among the page's SVGs
        chart.draw(g, new Rectangle(0, 0, width, height));
        sections.add("<figure class=\"plot\">" + g.getSVGElement() + "<figcaption>" + escape(caption) + "</figcaption></figure>");
        return this;
    }

    /** Adds a heading and a paragraph where a chart has nothing to show. Returns this page. */
    public ReportPage note(String heading, String text) {
        sections.add("<section class=\"note\"><h2>" + escape(heading) + "</h2><p>" + escape(text) + "</p></section>");
        return this;
    }

    /** Writes the page to {@code dir}/{@value #FILE} (creating {@code dir}), replacing it atomically; returns its path. */
    public Path write(Path dir) throws IOException {
        Path file = OutputPaths.directory(dir).resolve(FILE);
        byte[] bytes = html().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
        return file;
    }

    /** The page's HTML. */
    String html() {
        StringBuilder s = new StringBuilder(1 << 16);
        s.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222;max-width:1500px}"
                        + "table{border-collapse:collapse;margin-bottom:16px}td{padding:2px 12px 2px 0;vertical-align:top}"
                        + "td:first-child{color:#555}.plots{display:flex;flex-wrap:wrap;gap:16px}"
                        + "figure{margin:0;border:1px solid #ddd;padding:8px}figcaption{font-size:13px;color:#555;max-width:640px}"
                        + ".note{border:1px solid #ddd;padding:8px;max-width:640px}.note h2{font-size:15px;margin:0 0 6px}</style>\n")
                .append("</head><body>\n<h1>").append(escape(title)).append("</h1>\n<table>\n");
        for (String[] fact : facts) {
            s.append("<tr><td>").append(escape(fact[0])).append("</td><td>").append(escape(fact[1])).append("</td></tr>\n");
        }
        s.append("</table>\n<div class=\"plots\">\n");
        sections.forEach(section -> s.append(section).append('\n'));
        return s.append("</div>\n</body></html>\n").toString();
    }

    /** {@code text} with HTML's special characters escaped. */
    static String escape(String text) {
        StringBuilder s = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '&' -> s.append("&amp;");
                case '"' -> s.append("&quot;");
                default -> s.append(c);
            }
        }
        return s.toString();
    }
}
