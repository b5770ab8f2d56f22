package dev.chainrule.data;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a CSV data set: the label (an integer) in the first column, the features after it.
 *
 * <p>The first non-blank line is a header, and skipped, when its first field is not an integer.
 * Fields are separated by commas and trimmed; quoting is not supported; blank lines are skipped.
 * Every row must have as many columns as the first line (header or not). A file whose content starts
 * with the gzip magic bytes is gunzipped. A line longer than {@link #MAX_LINE_CHARS} is an error (found
 * after reading that much of it), and a field quoted in a message is cut short ({@link Excerpt}).
 */
final class CsvReader {
    private CsvReader() {
    }

    /** The most characters a line may have (a few hundred thousand features); a longer line is an error. */
    static final int MAX_LINE_CHARS = 1 << 22;

    /** Reads {@code file} into a data set. */
    static Dataset read(Path file) {
        try (Reader reader = new InputStreamReader(DataFiles.open(file), StandardCharsets.UTF_8)) {
            return parse(new LineReader(reader, file, MAX_LINE_CHARS), file);
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read: " + e, e);
        }
    }

    private static Dataset parse(LineReader reader, Path file) throws IOException {
        int columns = -1;
        int columnsLine = 0;
        float[] features = new float[1024];
        int[] labels = new int[64];
        int rows = 0;
        String[] fields = new String[0];
        String line;
        while ((line = reader.next()) != null) {
            int lineNumber = reader.lineNumber();
            if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.isBlank()) {
                continue;
            }
            int count = countFields(line);
            if (columns < 0) {
                columns = count;
                columnsLine = lineNumber;
                if (columns < 2) {
                    throw new DataFileException(file, "line " + lineNumber + " has " + columns
                            + " column; expected a label column followed by at least one feature column");
                }
                fields = new String[columns];
                if (!isInteger(firstField(line))) {
                    continue; // the header
                }
            } else if (count != columns) {
                throw new DataFileException(file, "line " + lineNumber + " has " + count + " columns, expected "
                        + columns + " (as on line " + columnsLine + ")");
            }
            split(line, fields);
            int width = columns - 1;
            if (rows == labels.length) {
                labels = Arrays.copyOf(labels, rows * 2);
            }
            if ((long) (rows + 1) * width > features.length) {
                long grown = Math.max((long) (rows + 1) * width, 2L * features.length);
                if (grown > Integer.MAX_VALUE - 8) {
                    throw new DataFileException(file, "line " + lineNumber + ": more than " + (Integer.MAX_VALUE - 8)
                            + " feature values, more than one Java array holds");
                }
                features = Arrays.copyOf(features, (int) grown);
            }
            labels[rows] = parseLabel(fields[0], file, lineNumber);
            int at = rows * width;
            for (int c = 1; c < columns; c++) {
                features[at + c - 1] = parseFeature(fields[c], file, lineNumber, c + 1);
            }
            rows++;
        }
        if (rows == 0) {
            throw new DataFileException(file, "empty data set: no data rows"
                    + (columns < 0 ? " (the file has no non-blank lines)" : " (only a header)"));
        }
        return new Dataset(file.toString(), Arrays.copyOf(features, rows * (columns - 1)),
                Arrays.copyOf(labels, rows), columns - 1);
    }

    private static int parseLabel(String field, Path file, int line) {
        int label;
        try {
            label = Integer.parseInt(field);
        } catch (NumberFormatException e) {
            throw new DataFileException(file, "line " + line + ", column 1: label \"" + Excerpt.of(field) + "\" is not an integer");
        }
        if (label < 0) {
            throw new DataFileException(file, "line " + line + ", column 1: label " + label + " is negative");
        }
        return label;
    }

    private static float parseFeature(String field, Path file, int line, int column) {
        float value;
        try {
            value = Float.parseFloat(field);
        } catch (NumberFormatException e) {
            throw new DataFileException(file, "line " + line + ", column " + column + ": \"" + Excerpt.of(field)
                    + "\" is not a number");
        }
        if (!Float.isFinite(value)) {
            throw new DataFileException(file, "line " + line + ", column " + column + ": \"" + Excerpt.of(field)
                    + "\" is not a finite float32 number");
        }
        return value;
    }

    private static int countFields(String line) {
        int count = 1;
        for (int i = line.indexOf(','); i >= 0; i = line.indexOf(',', i + 1)) {
            count++;
        }
        return count;
    }

    private static String firstField(String line) {
        int comma = line.indexOf(',');
        return (comma < 0 ? line : line.substring(0, comma)).trim();
    }

    /** Splits {@code line} into exactly {@code fields.length} trimmed fields (the count was checked first). */
    private static void split(String line, String[] fields) {
        int start = 0;
        for (int f = 0; f < fields.length; f++) {
            int comma = line.indexOf(',', start);
            int end = comma < 0 ? line.length() : comma;
            fields[f] = line.substring(start, end).trim();
            start = end + 1;
        }
    }

    private static boolean isInteger(String field) {
        try {
            Integer.parseInt(field);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
