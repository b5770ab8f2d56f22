package dev.chainrule.data;

/**
 * A short excerpt of input for an error message, so that a huge field, name or number in a crafted
 * file is not echoed back whole: text of up to {@value #MAX_CHARS} characters as it is, longer text
 * as its first {@value #KEPT_CHARS} characters, an ellipsis and its length.
 */
public final class Excerpt {
    /** Longer text is shortened. */
    public static final int MAX_CHARS = 48;
    /** How much of longer text is kept. */
    static final int KEPT_CHARS = 32;

    private Excerpt() {
    }

    /** {@code text}, or its beginning and length: {@code "123456…(1000000 characters)"}. */
    public static String of(String text) {
        if (text.length() <= MAX_CHARS) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(KEPT_CHARS - 1)) ? KEPT_CHARS - 1 : KEPT_CHARS;
        return text.substring(0, end) + "…(" + text.length() + " characters)";
    }
}
