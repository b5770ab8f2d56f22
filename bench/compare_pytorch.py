#!/usr/bin/env python3
"""PyTorch's side of bench/compare-pytorch: float32 GEMM GFLOP/s and MLP training steps/s.

Run alone, it measures what its options ask for and prints one machine-readable line per timed
window, then one per configuration with the median:

    window gemm n=256 threads=1 value=101.3 unit=GFLOP/s
    median mlp batch=32 threads=1 value=1544.2 unit=steps/s windows=5

With --serve it reads one command per line on stdin and answers each with one line on stdout
("result VALUE" or "error MESSAGE"); bench/compare-pytorch drives it this way so that its windows
alternate with Chainrule's:

    gemm N THREADS WINDOW_SECONDS WARMUP_SECONDS
    mlp BATCH THREADS WINDOW_SECONDS WARMUP_SECONDS
    quit

THREADS 0 is PyTorch's default configuration: no call to torch.set_num_threads or
openblas_set_num_threads at all, so that PyTorch's intra-op pool and OpenBLAS's own pool keep the
sizes they start with. It means that only in a process that has never set a thread count: the
driver runs a second process for it.

The MLP is 784-256-128-10 with ReLU, softmax cross-entropy (CrossEntropyLoss) and plain SGD; each
step gathers its batch from the data set (cyclic, in order), then zero_grad, forward, backward, step.
Needs Debian's python3-torch (/usr/bin/python3) with OpenBLAS (package libopenblas0; without it
Debian's PyTorch runs on the reference BLAS, ~20x slower, and the "ready" line says blas=reference)
and, for --data fashion-mnist, the package dataset-fashion-mnist.
"""

import argparse
import ctypes
import gzip
import os
import statistics
import sys
import time

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
WIDTHS = (784, 256, 128, 10)


def load_fashion_mnist(directory):
    """Train images as float32 [60000, 784] scaled by 1/255 and labels as int64, like Chainrule's IDX reader."""
    import numpy as np
    import torch

    with gzip.open(os.path.join(directory, "train-images-idx3-ubyte.gz"), "rb") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    with gzip.open(os.path.join(directory, "train-labels-idx1-ubyte.gz"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    x = torch.from_numpy(images.reshape(-1, WIDTHS[0]).astype(np.float32) / np.float32(255))
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def random_data(samples=60000, seed=1):
    """Uniform [0, 1) features and uniform labels of Fashion-MNIST's shapes."""
    import torch

    g = torch.Generator().manual_seed(seed)
    return torch.rand(samples, WIDTHS[0], generator=g), torch.randint(0, WIDTHS[-1], (samples,), generator=g)


class Blas:
    """The BLAS that PyTorch calls (Debian's libblas.so.3 alternative) and its thread count.

    Debian's PyTorch is built with BLAS_INFO=generic, so torch.set_num_threads does not reach
    OpenBLAS; its pthread build would use every core for a GEMM. This sets both.
    """

    def __init__(self):
        try:
            self.lib = ctypes.CDLL("libblas.so.3")
            self.lib.openblas_get_config.restype = ctypes.c_char_p
            self.name = self.lib.openblas_get_config().decode()
        except (OSError, AttributeError):
            self.lib, self.name = None, "reference"  # netlib libblas3: not OpenBLAS

    def set_threads(self, torch, threads):
        """Sets both pools to `threads`; 0 leaves both as they are (the default, in a process that never set them)."""
        if threads == 0:
            return
        torch.set_num_threads(threads)
        if self.lib is not None:
            self.lib.openblas_set_num_threads(threads)


class Bench:
    """Holds the GEMM operands and one MLP (model, optimiser, batch cursor) per batch size."""

    def __init__(self, data, lr, blas):
        import torch

        self.torch = torch
        self.blas = blas
        self.data = data
        self.lr = lr
        self.gemms = {}
        self.mlps = {}
        self.warm = set()

    def _gemm_operands(self, n):
        if n not in self.gemms:
            g = self.torch.Generator().manual_seed(n)
            a = self.torch.randn(n, n, generator=g)
            b = self.torch.randn(n, n, generator=g)
            self.gemms[n] = (a, b, self.torch.zeros(n, n))
        return self.gemms[n]

    def _mlp(self, batch):
        if batch not in self.mlps:
            nn = self.torch.nn
            self.torch.manual_seed(batch)
            model = nn.Sequential(nn.Linear(WIDTHS[0], WIDTHS[1]), nn.ReLU(), nn.Linear(WIDTHS[1], WIDTHS[2]), nn.ReLU(),
                                  nn.Linear(WIDTHS[2], WIDTHS[3]))
            optimizer = self.torch.optim.SGD(model.parameters(), lr=self.lr)
            x, _ = self.data
            starts = range(0, x.shape[0] - batch + 1, batch)
            indices = [self.torch.arange(s, s + batch) for s in starts]
            self.mlps[batch] = [model, optimizer, nn.CrossEntropyLoss(), indices, 0]
        return self.mlps[batch]

    def gemm(self, n, threads, window, warmup):
        """GFLOP/s of C = A·B over one timed window of at least one product."""
        self.blas.set_threads(self.torch, threads)
        a, b, c = self._gemm_operands(n)
        run = lambda: self.torch.mm(a, b, out=c)
        count, seconds = timed(run, window, warmup)
        return 2.0 * n * n * n * count / seconds / 1e9

    def mlp(self, batch, threads, window, warmup):
        """Training steps per second over one timed window."""
        self.blas.set_threads(self.torch, threads)
        entry = self._mlp(batch)
        model, optimizer, criterion, indices, _ = entry
        x, y = self.data

        def step():
            i = entry[4]
            entry[4] = (i + 1) % len(indices)
            idx = indices[i]
            inputs, targets = x.index_select(0, idx), y.index_select(0, idx)
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
            return loss

        count, seconds = timed(step, window, warmup)
        loss = float(step())
        if loss != loss or loss in (float("inf"), float("-inf")):
            raise RuntimeError("non-finite loss %r at batch %d" % (loss, batch))
        return count / seconds

    def handle(self, line):
        """Runs one command line and returns its value."""
        parts = line.split()
        if len(parts) != 5 or parts[0] not in ("gemm", "mlp"):
            raise ValueError("command %r (expected: gemm|mlp SIZE THREADS WINDOW_SECONDS WARMUP_SECONDS)" % line)
        size, threads = int(parts[1]), int(parts[2])
        window, warmup = float(parts[3]), float(parts[4])
        return getattr(self, parts[0])(size, threads, window, warmup)


def timed(run, window, warmup):
    """Runs `run` for `warmup` seconds, then for at least `window` seconds (at least once); returns (calls, seconds)."""
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        run()
    count = 0
    start = time.perf_counter()
    while True:
        run()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= window:
            return count, elapsed


def serve(bench):
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        if line == "quit":
            break
        try:
            value = bench.handle(line)
            print("result %.6g" % value, flush=True)
        except Exception as e:  # answered on the wire, the driver reports it
            print("error %s: %s" % (type(e).__name__, str(e).replace("\n", " ")), flush=True)


def standalone(bench, args):
    commands = [("gemm", "n", n) for n in args.sizes] + [("mlp", "batch", b) for b in args.batches]
    units = {"gemm": "GFLOP/s", "mlp": "steps/s"}
    for kind, label, size in commands:
        for threads in args.threads:
            values = []
            for r in range(args.rounds):
                warmup = args.warmup if r == 0 else 0.0
                value = bench.handle("%s %d %d %g %g" % (kind, size, threads, args.window, warmup))
                values.append(value)
                print("window %s %s=%d threads=%d value=%.6g unit=%s" % (kind, label, size, threads, value, units[kind]), flush=True)
            print("median %s %s=%d threads=%d value=%.6g unit=%s windows=%d"
                  % (kind, label, size, threads, statistics.median(values), units[kind], len(values)), flush=True)


def int_list(text):
    return [int(v) for v in text.split(",") if v]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Example: /usr/bin/python3 bench/compare_pytorch.py --sizes 512 --batches 32 --threads 1,2")
    parser.add_argument("--serve", action="store_true", help="answer commands on stdin (used by bench/compare-pytorch)")
    parser.add_argument("--data", choices=("fashion-mnist", "random"), default="fashion-mnist",
                        help="MLP training data: Fashion-MNIST's train split, or uniform random data of its shapes")
    parser.add_argument("--data-dir", default=FASHION_MNIST, help="Fashion-MNIST's IDX directory (default %(default)s)")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (default %(default)s)")
    parser.add_argument("--sizes", type=int_list, default=[256, 512, 1024, 2048], help="GEMM sizes n (default 256,512,1024,2048)")
    parser.add_argument("--batches", type=int_list, default=[32, 128, 512], help="MLP batch sizes (default 32,128,512)")
    parser.add_argument("--threads", type=int_list, default=[1, 2],
                        help="torch.set_num_threads values, 0 for no call (run it alone: once set, the default is gone) (default 1,2)")
    parser.add_argument("--rounds", type=int, default=5, help="timed windows per configuration (default %(default)s)")
    parser.add_argument("--window", type=float, default=0.5, help="seconds per timed window (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds before a configuration's first window (default %(default)s)")
    args = parser.parse_args(argv)

    import torch

    data = load_fashion_mnist(args.data_dir) if args.data == "fashion-mnist" else random_data()
    blas = Blas()
    bench = Bench(data, args.lr, blas)
    # blas= comes last: its value (OpenBLAS's configuration string) has spaces and runs to the end of the line
    print("ready torch=%s data=%s samples=%d blas=%s" % (torch.__version__, args.data, data[0].shape[0], blas.name), flush=True)
    if args.serve:
        serve(bench)
    else:
        standalone(bench, args)


if __name__ == "__main__":
    main()
