package dev.chainrule.cli;

/** Renders a confusion matrix as a text table: rows are true labels, columns predicted labels. */
final class ConfusionTable {
    private ConfusionTable() {
    }

    static String render(int[][] confusion) {
        int width = 5;
        for (int[] row : confusion) {
            for (int count : row) {
                width = Math.max(width, Integer.toString(count).length() + 1);
            }
        }
        StringBuilder s = new StringBuilder("true\\pred");
        for (int c = 0; c < confusion.length; c++) {
            s.append(pad(Integer.toString(c), width));
        }
        s.append(pad("recall", 8)).append('\n');
        for (int r = 0; r < confusion.length; r++) {
            s.append(pad(Integer.toString(r), 9));
            int total = 0;
            for (int c = 0; c < confusion.length; c++) {
                s.append(pad(Integer.toString(confusion[r][c]), width));
                total += confusion[r][c];
            }
            String recall = total == 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * confusion[r][r] / total);
            s.append(pad(recall, 8)).append('\n');
        }
        return s.toString();
    }

    private static String pad(String text, int width) {
        return " ".repeat(Math.max(1, width - text.length())) + text;
    }
}
