package dev.chainrule.cli;

import dev.chainrule.wire.GradientCompression;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code --compression}: {@code none}, {@code fp16}, {@code bf16} or {@code topk:FRACTION}. */
final class CompressionConverter implements ITypeConverter<GradientCompression> {
    @Override
    public GradientCompression convert(String value) {
        try {
            return GradientCompression.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
