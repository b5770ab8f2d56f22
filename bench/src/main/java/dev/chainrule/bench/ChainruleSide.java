package dev.chainrule.bench;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.kernels.Gemm;
import dev.chainrule.data.Dataset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chainrule in this JVM: {@link Gemm#matmul} on float32 tensors (one thread: products are never
 * divided between threads), and one {@link ChainruleMlp} per batch size and thread count, each batch
 * cut into {@link ChainruleMlp#SHARDS} shards computed on up to that many threads at once.
 */
final class ChainruleSide implements Side {
    private final Dataset train;
    private final double learningRate;
    private final Map<Integer, Tensor[]> products = new HashMap<>();
    private final Map<List<Integer>, ChainruleMlp> mlps = new HashMap<>();

    /** A side training on {@code train} with SGD at {@code learningRate}. */
    ChainruleSide(Dataset train, double learningRate) {
        this.train = train;
        this.learningRate = learningRate;
    }

    @Override
    public double gemm(int n, int threads, double windowSeconds, double warmupSeconds) {
        if (threads != 1) {
            throw new IllegalArgumentException("threads : " + threads + " (expected: 1; a product runs on one thread)");
        }
        Tensor[] abc = products.computeIfAbsent(n, size -> new Tensor[] {
            Tensor.randn(DType.FLOAT32, 2L * size, size, size),
            Tensor.randn(DType.FLOAT32, 2L * size + 1, size, size),
            Tensor.zeros(DType.FLOAT32, size, size)});
        TimedWindow window = TimedWindow.measure(() -> Gemm.matmul(abc[0], abc[1], abc[2]), windowSeconds, warmupSeconds);
        return 2.0 * n * n * n * window.perSecond() / 1e9;
    }

    @Override
    public MlpWindow mlp(int batch, int threads, double windowSeconds, double warmupSeconds) {
        ChainruleMlp mlp = mlps.computeIfAbsent(List.of(batch, threads), key -> new ChainruleMlp(train, batch, learningRate, batch, threads));
        TimedWindow window = TimedWindow.measure(mlp::step, windowSeconds, warmupSeconds);
        mlp.checkLoss();
        return new MlpWindow(window.perSecond(), window.bytesPerCall());
    }
}
