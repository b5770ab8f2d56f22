package dev.chainrule.cli;

import dev.chainrule.autodiff.kernels.KernelMode;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code --kernel}: {@code portable} or {@code native}. */
final class KernelModeConverter implements ITypeConverter<KernelMode> {
    @Override
    public KernelMode convert(String value) {
        try {
            return KernelMode.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
