package dev.chainrule.train.partition;

/**
 * The elements [{@code from}, {@code to}) of one parameter (row-major) that one partition owns.
 *
 * <p>Its {@link #name()} is {@code <parameter name>[<from>:<to>]}, for example
 * {@code fc1.weight[61:91]}, also when the piece is the whole parameter ({@code fc1.bias[0:7]}). A
 * plan refuses parameter names containing {@code [} or {@code ]}, so a piece name is never a
 * parameter's name, and two pieces of one plan never share a name; the partition's optimiser keeps
 * its buffers under {@code <piece name>.<buffer>}, e.g. {@code fc1.weight[61:91].exp_avg}.
 *
 * @param partition the partition that owns the piece
 * @param position the piece's index among its partition's pieces: its weight's and its optimiser
 *     parameter's index in the {@link Partition}
 * @param parameter the parameter's index in model order
 * @param parameterName the parameter's name
 * @param from the piece's first element within the parameter
 * @param to the element after the piece's last, within the parameter
 */
public record Piece(int partition, int position, int parameter, String parameterName, int from, int to) {
    /** Checks that the piece is a non-empty range of a named parameter. */
    public Piece {
        if (parameterName == null || from < 0 || to <= from) {
            throw new IllegalArgumentException("piece " + parameterName + " [" + from + ":" + to
                    + ") (expected: a named parameter and 0 <= from < to)");
        }
    }

    /** The optimiser's name for this piece: {@code <parameter name>[<from>:<to>]}. */
    public String name() {
        return parameterName + "[" + from + ":" + to + "]";
    }

    /** The number of elements, {@code to − from}. */
    public int length() {
        return to - from;
    }

    /** Whether the piece shares an element with the parameter's elements [{@code start}, {@code end}). */
    public boolean overlaps(int start, int end) {
        return from < end && start < to;
    }
}
