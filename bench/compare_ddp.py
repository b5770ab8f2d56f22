#!/usr/bin/env python3
"""PyTorch DDP's side of bench/compare-ddp: samples/s and synchronisation time per step.

Starts --world processes (default 2) that form a gloo process group on 127.0.0.1 (a free port),
each with one thread and a batch of --batch samples (default 128; global batch world x batch) of the
784-256-128-10 ReLU MLP with softmax cross-entropy (CrossEntropyLoss) and SGD (or Adam), wrapped in
DistributedDataParallel with its default buckets. Each rank's batch is its slice of the global
batch, taken in order from Fashion-MNIST's training split (or from uniform random data of its
shapes), gathered per step with index_select.

Method, in every rank, after --warmup synchronised steps (not timed):
  * synced window: --steps steps of zero_grad, forward, backward (DDP all-reduces the gradients in
    buckets, overlapped with backward), optimiser step. Its time per step is the step time; the
    slower rank's time counts (they wait for each other anyway).
  * compute window: the same steps inside ddp.no_sync(), so no gradient is reduced; both ranks run at
    the same time on the same cores, as in the synced window. Its time per step (mean of the ranks)
    is the compute time.
  * synchronisation per step = step time - compute time: what the all-reduce adds to a step, after
    whatever overlap DDP achieves.
The two kinds of windows alternate --windows times; each figure is the median of its windows. A
plain dist.all_reduce of a tensor of the model's size is timed too, for reference. Rank 0 prints one
line:

    result optimizer=sgd world=2 batch=128 samples_per_second=57012 step_ms=4.49 compute_ms=1.71
        sync_ms=2.78 allreduce_ms=2.1 gradient_bytes=940584 data=fashion-mnist blas=OpenBLAS ...

(one line; blas= last, its value has spaces). Needs Debian's python3-torch with libopenblas0.

bench/emulated-cluster starts each rank itself (--rank, --port, --master: rank 0's address), each in
a network namespace of its own, with --synced-only (no compute windows, no reference all_reduce) and
--counters IF: every rank reads IF's byte counters (/sys/class/net/IF/statistics) around its synced
windows, and rank 0 adds each rank's bytes per step to its line, in rank order:

    ... rx_bytes_per_step=943105,943211 tx_bytes_per_step=943322,942998 blas=...
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_pytorch import FASHION_MNIST, WIDTHS, Blas, load_fashion_mnist, random_data  # noqa: E402


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def widths(spec):
    """Layer widths from 'input-hidden...-classes', as chainrule's --model takes them."""
    values = tuple(int(w) for w in spec.split("-"))
    if len(values) < 2 or min(values) < 1:
        raise argparse.ArgumentTypeError("%r (expected: widths like 784-256-128-10)" % spec)
    return values


def build(torch, optimizer_kind, lr, layers=WIDTHS):
    nn = torch.nn
    torch.manual_seed(0)  # the same initial weights on every rank (DDP broadcasts rank 0's anyway)
    modules = []
    for i in range(len(layers) - 1):
        modules.append(nn.Linear(layers[i], layers[i + 1]))
        if i < len(layers) - 2:
            modules.append(nn.ReLU())
    model = nn.Sequential(*modules)
    ddp = nn.parallel.DistributedDataParallel(model)
    if optimizer_kind == "adam":
        optimizer = torch.optim.Adam(ddp.parameters(), lr=lr)
    else:
        optimizer = torch.optim.SGD(ddp.parameters(), lr=lr)
    return model, ddp, optimizer


def rank_main(rank, args, port):
    import torch
    import torch.distributed as dist

    blas = Blas()
    blas.set_threads(torch, 1)
    x, y = load_fashion_mnist(args.data_dir) if args.data == "fashion-mnist" else random_data()
    dist.init_process_group("gloo", init_method="tcp://%s:%d" % (args.master, port), rank=rank, world_size=args.world)
    model, ddp, optimizer = build(torch, args.optimizer, args.lr, args.model)
    criterion = torch.nn.CrossEntropyLoss()
    global_batch = args.world * args.batch
    batches = x.shape[0] // global_batch
    cursor = [0]

    def step():
        start = (cursor[0] % batches) * global_batch + rank * args.batch
        cursor[0] += 1
        idx = torch.arange(start, start + args.batch)
        inputs, targets = x.index_select(0, idx), y.index_select(0, idx)
        optimizer.zero_grad()
        loss = criterion(ddp(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss

    counted = [0, 0]  # rx and tx bytes of --counters during the synced windows

    def counters():
        if args.counters is None:
            return 0, 0
        base = "/sys/class/net/%s/statistics/" % args.counters
        with open(base + "rx_bytes") as rx, open(base + "tx_bytes") as tx:
            return int(rx.read()), int(tx.read())

    def window(synced):
        dist.barrier()
        before = counters()
        t0 = time.perf_counter()
        if synced:
            for _ in range(args.steps):
                step()
        else:
            with ddp.no_sync():
                for _ in range(args.steps):
                    step()
        seconds = time.perf_counter() - t0
        if synced:
            after = counters()
            counted[0] += after[0] - before[0]
            counted[1] += after[1] - before[1]
        gathered = torch.tensor([seconds], dtype=torch.float64)
        worst = gathered.clone()
        dist.all_reduce(gathered, op=dist.ReduceOp.SUM)
        dist.all_reduce(worst, op=dist.ReduceOp.MAX)
        return (worst.item() if synced else gathered.item() / args.world) / args.steps

    for _ in range(args.warmup):
        step()
    step_s, compute_s = [], []
    for _ in range(args.windows):
        step_s.append(window(True))
        if not args.synced_only:
            compute_s.append(window(False))
    loss = float(step())
    if loss != loss:
        raise RuntimeError("non-finite loss on rank %d" % rank)

    parameters = sum(p.numel() for p in model.parameters())
    allreduce_s = float("nan")
    if not args.synced_only:
        flat = torch.zeros(parameters)
        for _ in range(10):
            dist.all_reduce(flat)
        dist.barrier()
        t0 = time.perf_counter()
        reps = max(10, args.steps // 4)
        for _ in range(reps):
            dist.all_reduce(flat)
        allreduce_s = (time.perf_counter() - t0) / reps
    node_bytes = torch.zeros(args.world, 2, dtype=torch.float64)
    node_bytes[rank] = torch.tensor(counted, dtype=torch.float64) / (args.windows * args.steps)
    dist.all_reduce(node_bytes)  # every rank's row, the others zero

    step_ms = 1e3 * statistics.median(step_s)
    compute_ms = 1e3 * statistics.median(compute_s) if compute_s else float("nan")
    if rank == 0:
        counted_fields = ""
        if args.counters is not None:
            counted_fields = "rx_bytes_per_step=%s tx_bytes_per_step=%s " % (
                ",".join("%.0f" % b for b in node_bytes[:, 0].tolist()), ",".join("%.0f" % b for b in node_bytes[:, 1].tolist()))
        print("result optimizer=%s world=%d batch=%d samples_per_second=%.6g step_ms=%.6g compute_ms=%.6g sync_ms=%.6g "
              "allreduce_ms=%.6g gradient_bytes=%d windows=%d steps=%d data=%s torch=%s %sblas=%s"
              % (args.optimizer, args.world, args.batch, global_batch / (step_ms / 1e3), step_ms, compute_ms,
                 step_ms - compute_ms, 1e3 * allreduce_s, 4 * parameters, args.windows, args.steps, args.data,
                 torch.__version__, counted_fields, blas.name), flush=True)
    dist.barrier()  # no destroy_process_group: in torch 1.13 it can spin in gloo; the process exits right after


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", type=int, default=2, help="processes (default %(default)s)")
    parser.add_argument("--batch", type=int, default=128, help="samples per process and step (default %(default)s)")
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd", help="optimiser (default %(default)s)")
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate (default %(default)s)")
    parser.add_argument("--steps", type=int, default=200, help="steps per timed window (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=50, help="synchronised steps before the first window (default %(default)s)")
    parser.add_argument("--windows", type=int, default=3, help="synced and compute windows, alternating (default %(default)s)")
    parser.add_argument("--data", choices=("fashion-mnist", "random"), default="fashion-mnist",
                        help="training data: Fashion-MNIST's train split, or uniform random data of its shapes")
    parser.add_argument("--data-dir", default=FASHION_MNIST, help="Fashion-MNIST's IDX directory (default %(default)s)")
    parser.add_argument("--model", type=widths, default=WIDTHS, help="layer widths (default 784-256-128-10)")
    parser.add_argument("--synced-only", action="store_true",
                        help="only synced windows: no compute windows and no reference all_reduce")
    parser.add_argument("--counters", metavar="IF", help="report IF's rx and tx bytes per synced step of every rank")
    parser.add_argument("--timeout", type=int, default=300, help="seconds the ranks may take in all (default %(default)s)")
    parser.add_argument("--rank", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--master", default="127.0.0.1", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.world < 1 or args.batch < 1 or args.steps < 1 or args.windows < 1 or args.warmup < 0:
        parser.error("--world, --batch, --steps and --windows must be >= 1 and --warmup >= 0")

    if args.rank is not None:
        rank_main(args.rank, args, args.port)
        sys.stdout.flush()
        os._exit(0)  # gloo's threads can keep the interpreter's normal exit from finishing
    # one child process per rank, each this script with --rank and the group's port
    port = free_port()
    command = [sys.executable, os.path.abspath(__file__)] + list(argv if argv is not None else sys.argv[1:])
    children = [subprocess.Popen(command + ["--rank", str(r), "--port", str(port)]) for r in range(args.world)]
    status = 0
    try:
        for child in children:
            status = status or child.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print("compare_ddp: the ranks did not finish within %d s" % args.timeout, file=sys.stderr)
        status = 1
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    sys.exit(status)


if __name__ == "__main__":
    main()
