package dev.chainrule.autodiff.kernels;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * float32 matrix products by OpenBLAS's {@code cblas_sgemm} on direct buffers (no copies), loaded
 * once, on the first product, through the JavaCPP presets, whose artifacts carry the native library.
 * Which of OpenBLAS's kernels runs is decided as it loads, by {@link Kernels#mode()}: for
 * {@link KernelMode#PORTABLE}, {@code OPENBLAS_CORETYPE} is {@value #PORTABLE_CORE} in this process's
 * environment while it loads (where the CPU has the instructions that kernel needs). Where the
 * library cannot load (another platform), {@link Gemm} uses {@link ReferenceGemm}. Every product
 * runs on the calling thread alone (OpenBLAS's own threads are set to one as it loads: a product it
 * divides between threads gives other bits); threads that call at once each compute their own.
 */
final class OpenBlas {
    /** The OpenBLAS version the build bundles (a test checks it against the loaded library). */
    static final String VERSION = "0.3.31";
    /** The core type whose kernels the portable mode runs: AVX2 and FMA, on every x86-64 CPU since 2013. */
    static final String PORTABLE_CORE = "Haswell";
    /** The CPU flags {@link #PORTABLE_CORE}'s kernels execute. */
    static final String[] PORTABLE_FLAGS = {"avx2", "fma"};

    /** The x86-64 core types of OpenBLAS's DYNAMIC_ARCH builds, spelled as OpenBLAS names them. */
    private static final List<String> CORES = List.of("Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids",
            "Sandybridge", "Nehalem", "Core2", "Prescott", "Penryn", "Dunnington", "Atom", "Athlon", "Opteron", "Barcelona",
            "Bobcat", "Bulldozer", "Piledriver", "Steamroller", "Excavator", "Nano", "Katmai", "Coppermine", "Northwood",
            "Banias");

    private OpenBlas() {
    }

    /** What happened when the library loaded, taken once, on first use. */
    record Loaded(Throwable failure, String core, String version, String pinFailure) {
    }

    /** Loads on first access, with the mode chosen by then. */
    private static final class Holder {
        static final Loaded LOADED = load(Kernels.mode());
    }

    /** Whether the library has been loaded (and the kernel therefore decided). */
    static volatile boolean loadStarted;

    static Loaded loaded() {
        loadStarted = true;
        return Holder.LOADED;
    }

    private static Loaded load(KernelMode mode) {
        if (mode != KernelMode.PORTABLE) {
            return loadLibrary(null);
        }
        List<String> missing = CpuFeatures.missing(PORTABLE_FLAGS);
        if (!missing.isEmpty()) {
            return loadLibrary("this CPU lacks " + String.join(" and ", missing) + ", which OpenBLAS's " + PORTABLE_CORE + " kernels need");
        }
        Loaded[] loaded = new Loaded[1];
        String pinFailure = ProcessEnvironment.whileLoading("OPENBLAS_CORETYPE", PORTABLE_CORE, () -> loaded[0] = loadLibrary(null));
        return pinFailure == null ? loaded[0]
                : new Loaded(loaded[0].failure(), loaded[0].core(), loaded[0].version(), pinFailure);
    }

    /** Loads the library (OpenBLAS picks its kernels as it does); {@code pinFailure} says why the portable kernel was not asked for. */
    private static Loaded loadLibrary(String pinFailure) {
        try {
            Loader.load(openblas_nolapack.class);
            openblas_nolapack.blas_set_num_threads(1);
            String core = activeCore();
            String version = openblas_nolapack.OPENBLAS_VERSION.trim().replaceFirst("^OpenBLAS\\s+", "");
            return new Loaded(null, core, version, pinFailure);
        } catch (Throwable e) { // UnsatisfiedLinkError, or NoClassDefFoundError without the native jar
            return new Loaded(e, "", "", pinFailure);
        }
    }

    /**
     * The core type whose kernels OpenBLAS dispatches to: the name of the {@code gotoblas_*} table that
     * its {@code gotoblas} pointer holds (both exported by every DYNAMIC_ARCH build), as OpenBLAS
     * itself names it, or "unknown".
     */
    private static String activeCore() {
        Pointer active = Loader.addressof("gotoblas");
        if (active == null) {
            return "unknown";
        }
        long table = new LongPointer(active).get(0);
        for (String core : CORES) {
            Pointer candidate = Loader.addressof("gotoblas_" + core.toUpperCase(Locale.ROOT));
            if (candidate != null && candidate.address() == table) {
                return core;
            }
        }
        return "unknown";
    }

    static boolean available() {
        return loaded().failure() == null;
    }

    static String unavailableReason() {
        Throwable failure = loaded().failure();
        return failure == null ? "" : failure.toString();
    }

    /**
     * c[m×n] = op(a)·op(b) + beta·c, row-major, where op transposes when asked; a is m×k
     * (k×m when transposed), b is k×n (n×k when transposed).
     */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, FloatBuffer a, FloatBuffer b, float beta,
            FloatBuffer c) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, 1f, a, transA ? m : k, b, transB ? k : n, beta, c, n);
    }
}
