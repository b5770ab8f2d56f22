package dev.chainrule.bench;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.kernels.Gemm;
import dev.chainrule.autodiff.kernels.IntraOpThreads;
import dev.chainrule.data.Dataset;
import java.util.HashMap;
import java.util.Map;

/**
 * Chainrule in this JVM: {@link Gemm#matmul} on float32 tensors, and one {@link ChainruleMlp} per
 * batch size. The thread count is set with {@link IntraOpThreads} before every window.
 */
final class ChainruleSide implements Side {
    private final Dataset train;
    private final double learningRate;
    private final Map<Integer, Tensor[]> products = new HashMap<>();
    private final Map<Integer, ChainruleMlp> mlps = new HashMap<>();

    /** A side training on {@code train} with SGD at {@code learningRate}. */
    ChainruleSide(Dataset train, double learningRate) {
        this.train = train;
        this.learningRate = learningRate;
    }

    @Override
    public double gemm(int n, int threads, double windowSeconds, double warmupSeconds) {
        IntraOpThreads.set(threads);
        Tensor[] abc = products.computeIfAbsent(n, size -> new Tensor[] {
            Tensor.randn(DType.FLOAT32, 2L * size, size, size),
            Tensor.randn(DType.FLOAT32, 2L * size + 1, size, size),
            Tensor.zeros(DType.FLOAT32, size, size)});
        TimedWindow window = TimedWindow.measure(() -> Gemm.matmul(abc[0], abc[1], abc[2]), windowSeconds, warmupSeconds);
        return 2.0 * n * n * n * window.perSecond() / 1e9;
    }

    @Override
    public MlpWindow mlp(int batch, int threads, double windowSeconds, double warmupSeconds) {
        IntraOpThreads.set(threads);
        ChainruleMlp mlp = mlps.computeIfAbsent(batch, b -> new ChainruleMlp(train, b, learningRate, b));
        TimedWindow window = TimedWindow.measure(mlp::step, windowSeconds, warmupSeconds);
        mlp.checkLoss();
        return new MlpWindow(window.perSecond(), window.bytesPerCall());
    }
}
