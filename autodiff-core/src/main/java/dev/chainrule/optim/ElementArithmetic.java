package dev.chainrule.optim;

import dev.chainrule.autodiff.DType;

/**
 * The arithmetic of torch's CPU kernels for one element type, carried out on doubles: a Python
 * scalar is cast to the element type before use, and every result a kernel stores is rounded to it.
 * For float32 this is exact, because a double holds the exact sum, product, quotient or square root
 * of two floats closely enough that rounding it to float gives the correctly rounded float result.
 * Torch's vectorised {@code add(other, alpha)} and {@code addcmul} fuse a multiply and an add with a
 * single rounding ({@link #fma}), as measured bit for bit against torch 1.13 on an x86-64 CPU with FMA.
 */
enum ElementArithmetic {
    /** Round to the nearest float after each operation. */
    FLOAT32 {
        @Override
        double round(double x) {
            return (float) x;
        }

        @Override
        double fma(double a, double b, double c) {
            return Math.fma((float) a, (float) b, (float) c);
        }
    },
    /** Plain double arithmetic. */
    FLOAT64 {
        @Override
        double round(double x) {
            return x;
        }

        @Override
        double fma(double a, double b, double c) {
            return Math.fma(a, b, c);
        }
    };

    /** The arithmetic of {@code dtype}. */
    static ElementArithmetic of(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> FLOAT32;
            case FLOAT64 -> FLOAT64;
        };
    }

    /** {@code x} rounded to the element type. */
    abstract double round(double x);

    /** {@code a·b + c} with one rounding to the element type; a, b and c must already be of it. */
    abstract double fma(double a, double b, double c);
}
