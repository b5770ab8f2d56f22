package dev.chainrule.cli;

import java.io.StringWriter;
import java.util.function.Consumer;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.PrettyPrinter;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;

/**
 * One JSON value on one line, as the command line prints it: {@code {"key": value, "other": {}}},
 * a space after each colon and comma and none elsewhere. Written with Jackson's generator; a
 * {@code double} is written as {@link Double#toString(double)} gives it.
 */
final class OneLineJson {
    private static final JsonFactory FACTORY = JsonFactory.builder().disable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    private static final DefaultPrettyPrinter SPACED = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectNameValueSpacing(Separators.Spacing.AFTER)
            .withObjectEntrySpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayElementSpacing(Separators.Spacing.AFTER)
            .withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultPrettyPrinter.NopIndenter())
            .withArrayIndenter(new DefaultPrettyPrinter.NopIndenter());

    private OneLineJson() {
    }

    /** What {@code body} writes to a generator, as text without a line break. */
    static String write(Consumer<JsonGenerator> body) {
        StringWriter out = new StringWriter();
        ObjectWriteContext spaced = new ObjectWriteContext.Base() {
            @Override
            public PrettyPrinter getPrettyPrinter() {
                return SPACED.createInstance();
            }
        };
        try (JsonGenerator json = FACTORY.createGenerator(spaced, out)) {
            body.accept(json);
        }
        return out.toString();
    }
}
