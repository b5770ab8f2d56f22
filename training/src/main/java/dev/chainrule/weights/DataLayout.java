package dev.chainrule.weights;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Checks that the tensors' byte ranges tile the data buffer exactly, as the reference
 * implementation requires: in offset order each tensor starts where the previous one ended (no
 * overlap, no gap), the first at 0, and the last ends at the end of the buffer (nothing is
 * missing, as in a truncated file, and nothing is left over).
 */
final class DataLayout {
    private DataLayout() {
    }

    /**
     * Fails, naming {@code source}, unless the ranges of {@code header}'s tensors tile
     * {@code [0, bufferLength)}; {@code fileLayout} describes where the buffer lies in the file.
     */
    static void check(SafetensorsHeader header, long bufferLength, String source, String fileLayout) {
        List<TensorEntry> byOffset = new ArrayList<>(header.tensors().values());
        byOffset.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        long cursor = 0;
        TensorEntry previous = null;
        for (TensorEntry t : byOffset) {
            if (t.end() > bufferLength) {
                throw new WeightsFileException(source, describe(t) + " goes beyond the end of the data buffer, which has "
                        + bufferLength + " bytes (" + fileLayout + "): the file is truncated or the offsets are wrong");
            }
            if (t.begin() < cursor) {
                throw new WeightsFileException(source, describe(t) + " overlaps " + describe(previous));
            }
            if (t.begin() > cursor) {
                throw new WeightsFileException(source, "bytes [" + cursor + ", " + t.begin() + ") of the data buffer,"
                        + " before " + describe(t) + ", belong to no tensor");
            }
            cursor = t.end();
            previous = t;
        }
        if (cursor != bufferLength) {
            throw new WeightsFileException(source, "the last " + (bufferLength - cursor) + " bytes of the data buffer (["
                    + cursor + ", " + bufferLength + ")) belong to no tensor (" + fileLayout + ")");
        }
    }

    private static String describe(TensorEntry t) {
        return "tensor " + JsonQuotes.quoteExcerpt(t.name()) + " at bytes [" + t.begin() + ", " + t.end() + ")";
    }
}
