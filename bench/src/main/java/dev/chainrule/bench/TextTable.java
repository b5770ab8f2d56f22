package dev.chainrule.bench;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table: a header and rows of cells, the first column left-aligned and the others right-aligned. */
final class TextTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    /** A table with these column headings. */
    TextTable(String... header) {
        this.header = List.of(header);
    }

    /** Adds a row, which must have as many cells as the header. Returns this table. */
    TextTable add(String... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("row of " + cells.length + " cells (expected: " + header.size() + ", as the header)");
        }
        rows.add(List.of(cells));
        return this;
    }

    /** The header and the rows, each line ending in a newline, columns separated by two spaces at least. */
    String format() {
        List<List<String>> lines = new ArrayList<>();
        lines.add(header);
        lines.addAll(rows);
        int[] widths = new int[header.size()];
        lines.forEach(line -> {
            for (int c = 0; c < widths.length; c++) {
                widths[c] = Math.max(widths[c], line.get(c).length());
            }
        });
        StringBuilder text = new StringBuilder();
        for (List<String> line : lines) {
            text.append(line.get(0)).append(" ".repeat(widths[0] - line.get(0).length()));
            for (int c = 1; c < widths.length; c++) {
                text.append("  ").append(" ".repeat(widths[c] - line.get(c).length())).append(line.get(c));
            }
            text.append('\n');
        }
        return text.toString();
    }
}
