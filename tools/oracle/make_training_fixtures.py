#!/usr/bin/python3
"""Writes the training fixtures: short PyTorch training runs that the single-process trainer
(dev.chainrule.train.Trainer) must reproduce.

Run by hand from the repository root (the tests only read the files it writes; they never run it):

    /usr/bin/python3 tools/oracle/make_training_fixtures.py

It needs PyTorch 1.13 for the system Python (Debian's python3-torch). The output is deterministic:
the data set and the initial weights come from one torch.Generator seeded with SEED, the shuffled
batch orders from a transcription of Chainrule's EpochShuffle (below), and torch runs on the CPU in
float32 with one thread, so running the script again writes the same files.

What is trained: a 6-8-5-4 MLP, a torch module whose Linear attributes are fc1, fc2, fc3
(y = x·Wᵀ + b), with the run's hidden activation after every layer but the last, on N = 23 samples
with 6 features and 4 classes (labels from a random linear teacher); loss = F.cross_entropy (mean over
the batch). Each run starts from the same initial weights (uniform in ±1/sqrt(fan_in), biases too) and
takes optimiser steps on batches of 5, so an epoch has ⌈23/5⌉ = 5 batches and its last one has 3
samples; step s uses batch s mod 5 of epoch ⌊s/5⌋. Without shuffling every epoch visits the samples
in file order (chainrule train --no-shuffle); with shuffling, epoch e visits them in the order
EpochShuffle.permutation(23, seed, e). The optimisers are torch's own classes with foreach=False, as
in make_optim_fixtures.py; the learning rate of each step is whatever is in param_groups[0]['lr'] when
optimizer.step() runs, with CosineAnnealingLR(T_max = total steps, eta_min = 0) stepped after every
optimiser step for the cosine schedule.

Output, in training/src/test/resources/training/ (old *.txt files are removed first). Lines starting
with '#' and blank lines are ignored; every other line is one record of space-separated tokens.

  setup.txt       the model and the data, shared by all runs:

      model <widths joined by '-'>
      sample <label> <features...>             one per training sample, in file order
      param <name> <shape> <values...>         the initial weights, in Mlp.parameters() order

  <run>.txt       one training run; the first record is `run <name>`:

      optimizer <sgd|momentum|adam>
      activation <relu|sigmoid|tanh>
      setting <momentum|beta1|beta2|eps|weight_decay> <value>
      schedule <constant|cosine> <base lr>
      batch_size <B>
      epochs <E>                               used only when steps is 0
      steps <k>                                0: E whole epochs
      shuffle <true|false> <seed>
      step <s> <epoch> <lr> <loss> <sample indices of the batch...>
                                               for every step s from 0: its epoch, the learning rate
                                               torch used, the mean loss of the batch before the update
      final <name> <shape> <values...>         the weights after the last step

  shape   dimensions joined by 'x' (e.g. 8x6)
  values  row-major float32 values, each written as Python's repr of float(value): exact, and read
          back exactly by Java's Double.parseDouble.
"""

import math
import os

import torch
import torch.nn.functional as F

SEED = 20240614
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "training", "src", "test", "resources", "training"))
WIDTHS = (6, 8, 5, 4)
SAMPLES = 23
BATCH = 5
STEPS = 7

DEFAULTS = {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}
RATES = {"sgd": 0.5, "momentum": 0.1, "adam": 0.02}

# name: (optimizer, activation, setting overrides, schedule, shuffle seed or None, steps, epochs)
RUNS = {"%s_%s" % (opt, act): (opt, act, {}, "constant", None, STEPS, 1)
        for opt in ("sgd", "momentum", "adam") for act in ("relu", "sigmoid", "tanh")}
RUNS.update({
    "adam_tanh_cosine": ("adam", "tanh", {}, "cosine", None, STEPS, 1),
    "momentum_relu_weight_decay": ("momentum", "relu", {"weight_decay": 0.05}, "constant", None, STEPS, 1),
    "adam_sigmoid_weight_decay_cosine": ("adam", "sigmoid", {"weight_decay": 0.05}, "cosine", None, STEPS, 1),
    "sgd_tanh_shuffled": ("sgd", "tanh", {}, "constant", 42, STEPS, 1),
    "adam_relu_shuffled_cosine": ("adam", "relu", {}, "cosine", -7, STEPS, 1),
    # steps 0: three whole epochs, 15 steps, crossing two epoch boundaries
    "momentum_sigmoid_shuffled_3_epochs": ("momentum", "sigmoid", {}, "constant", 2024, 0, 3),
})

# ---- Chainrule's EpochShuffle and java.util.SplittableRandom, in 64-bit two's complement ----------

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def mix64(z):
    """SplitMix64's finaliser (Stafford's variant 13), EpochShuffle.mix64; z and the result in [0, 2^64)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def int32(x):
    """x wrapped to a Java int."""
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x >= 1 << 31 else x


class SplittableRandom:
    """java.util.SplittableRandom(seed) as far as nextInt() and nextInt(bound) go (JDK 17)."""

    def __init__(self, seed):
        self.seed = seed & MASK64
        self.gamma = GOLDEN_GAMMA

    def next_seed(self):
        self.seed = (self.seed + self.gamma) & MASK64
        return self.seed

    def next_int(self):
        """mix32(nextSeed()): Stafford's variant 4, the upper 32 bits as a Java int."""
        z = self.next_seed()
        z = ((z ^ (z >> 33)) * 0x62A9D9ED799705F5) & MASK64
        return int32((((z ^ (z >> 28)) * 0xCB24D0A5C88C35B3) & MASK64) >> 32)

    def next_int_bounded(self, bound):
        """RandomSupport.boundedNextInt(rng, bound): a mask for powers of two, else rejection of u % bound."""
        if bound <= 0:
            raise ValueError("bound must be positive")
        r = self.next_int()
        m = bound - 1
        if bound & m == 0:
            return r & m
        u = (r & 0xFFFFFFFF) >> 1
        while True:
            r = u % bound
            if int32(u + m - r) >= 0:
                return r
            u = (self.next_int() & 0xFFFFFFFF) >> 1


def epoch_seed(seed, epoch):
    return mix64(mix64(seed & MASK64) ^ (epoch & MASK64))


def permutation(n, seed, epoch):
    """EpochShuffle.permutation(n, seed, epoch): Fisher-Yates from the end, j = nextInt(i + 1)."""
    order = list(range(n))
    random = SplittableRandom(epoch_seed(seed, epoch))
    for i in range(n - 1, 0, -1):
        j = random.next_int_bounded(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


# printed by Java 17 (a throwaway program calling java.util.SplittableRandom and EpochShuffle.permutation);
# main() refuses to write fixtures if the transcription above disagrees
BOUNDS = [1, 2, 3, 7, 23, 1000, 1 << 30, (1 << 30) + 1, (1 << 31) - 1, 1717986919, 2000000000]
JAVA_KNOWN = [
    ("SplittableRandom(0): nextInt() three times",
     lambda r=SplittableRandom(0): [r.next_int() for _ in range(3)], [821115357, 1660418793, -1699405221]),
    ("SplittableRandom(0): nextInt(bound) for each of BOUNDS",
     lambda r=SplittableRandom(0): [r.next_int_bounded(b) for b in BOUNDS],
     [0, 1, 0, 5, 20, 786, 66406591, 739740864, 1311816718, 417343929, 1023875011]),
    ("EpochShuffle.permutation(10, 42, 0)", lambda: permutation(10, 42, 0), [9, 1, 2, 4, 5, 3, 7, 8, 0, 6]),
    ("EpochShuffle.permutation(23, -7, 1)", lambda: permutation(23, -7, 1),
     [22, 20, 11, 6, 9, 16, 2, 4, 10, 8, 12, 21, 19, 7, 0, 17, 18, 13, 15, 1, 5, 3, 14]),
]


# ---- the model, the data and the runs -------------------------------------------------------------


class Mlp(torch.nn.Module):
    """Linear layers fc1, fc2, ... with the activation after every layer but the last."""

    def __init__(self, widths, activation):
        super().__init__()
        self.depth = len(widths) - 1
        for i in range(self.depth):
            setattr(self, "fc%d" % (i + 1), torch.nn.Linear(widths[i], widths[i + 1]))
        self.activation = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[activation]

    def forward(self, x):
        for i in range(self.depth):
            x = getattr(self, "fc%d" % (i + 1))(x)
            if i < self.depth - 1:
                x = self.activation(x)
        return x


def make_data(gen):
    features = torch.randn(SAMPLES, WIDTHS[0], generator=gen)
    teacher = torch.randn(WIDTHS[-1], WIDTHS[0], generator=gen)
    labels = (features @ teacher.t()).argmax(dim=1)
    if sorted(set(labels.tolist())) != list(range(WIDTHS[-1])):
        raise ValueError("not every class occurs in the data: %s" % labels.tolist())
    return features, labels


def make_initial_weights(gen):
    weights = {}
    for i in range(len(WIDTHS) - 1):
        fan_in, fan_out = WIDTHS[i], WIDTHS[i + 1]
        bound = 1.0 / math.sqrt(fan_in)
        weights["fc%d.weight" % (i + 1)] = (torch.rand(fan_out, fan_in, generator=gen) * 2 - 1) * bound
        weights["fc%d.bias" % (i + 1)] = (torch.rand(fan_out, generator=gen) * 2 - 1) * bound
    return weights


def make_optimizer(kind, params, lr, s):
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=s["weight_decay"], foreach=False)
    if kind == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=s["momentum"], dampening=0, nesterov=False,
                               weight_decay=s["weight_decay"], foreach=False)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(s["beta1"], s["beta2"]), eps=s["eps"],
                                weight_decay=s["weight_decay"], amsgrad=False, foreach=False)
    raise ValueError("unknown optimizer kind " + kind)


def shape_token(t):
    return "x".join(str(d) for d in t.shape)


def values(t):
    out = []
    for v in t.detach().reshape(-1).tolist():
        if not math.isfinite(v):
            raise ValueError("non-finite value %r" % v)
        out.append(repr(float(v)))
    return out


def tensor_line(kind, name, t):
    return " ".join([kind, name, shape_token(t)] + values(t))


def header():
    return "# generated by tools/oracle/make_training_fixtures.py (torch %s); do not edit" % torch.__version__


def setup_file(features, labels, weights):
    lines = [header(), "model " + "-".join(str(w) for w in WIDTHS)]
    for x, y in zip(features, labels.tolist()):
        lines.append(" ".join(["sample", str(y)] + values(x)))
    lines += [tensor_line("param", n, w) for n, w in weights.items()]
    return "\n".join(lines) + "\n"


def run_file(name, kind, activation, overrides, schedule, seed, steps, epochs, features, labels, weights):
    settings = dict(DEFAULTS, **overrides)
    lr = RATES[kind]
    batches_per_epoch = -(-SAMPLES // BATCH)
    total = steps if steps > 0 else epochs * batches_per_epoch
    model = Mlp(WIDTHS, activation)
    model.load_state_dict({n: w.clone() for n, w in weights.items()})
    optimizer = make_optimizer(kind, list(model.parameters()), lr, settings)
    scheduler = None
    if schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total, eta_min=0)
    elif schedule != "constant":
        raise ValueError("unknown schedule " + schedule)
    lines = [header(), "run " + name, "optimizer " + kind, "activation " + activation]
    lines += ["setting %s %r" % (k, float(v)) for k, v in settings.items()]
    lines += ["schedule %s %r" % (schedule, lr), "batch_size %d" % BATCH, "epochs %d" % epochs, "steps %d" % steps,
              "shuffle %s %d" % ("false" if seed is None else "true", 0 if seed is None else seed)]
    for step in range(total):
        epoch, b = divmod(step, batches_per_epoch)
        order = list(range(SAMPLES)) if seed is None else permutation(SAMPLES, seed, epoch)
        indices = order[b * BATCH:min((b + 1) * BATCH, SAMPLES)]
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(features[indices]), labels[indices])
        loss.backward()
        rate = optimizer.param_groups[0]["lr"]
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        lines.append(" ".join(["step", str(step), str(epoch), repr(rate)] + values(loss)
                              + [str(i) for i in indices]))
    lines += [tensor_line("final", n, p) for n, p in model.named_parameters()]
    return "\n".join(lines) + "\n"


def main():
    for what, compute, expected in JAVA_KNOWN:
        actual = compute()
        if actual != expected:
            raise AssertionError("%s is %s in this transcription but %s in Java" % (what, actual, expected))
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(SEED)
    features, labels = make_data(gen)
    weights = make_initial_weights(gen)
    os.makedirs(OUT_DIR, exist_ok=True)
    for old in os.listdir(OUT_DIR):
        if old.endswith(".txt"):
            os.remove(os.path.join(OUT_DIR, old))
    with open(os.path.join(OUT_DIR, "setup.txt"), "w", encoding="utf-8") as out:
        out.write(setup_file(features, labels, weights))
    for name, (kind, activation, overrides, schedule, seed, steps, epochs) in RUNS.items():
        with open(os.path.join(OUT_DIR, name + ".txt"), "w", encoding="utf-8") as out:
            out.write(run_file(name, kind, activation, overrides, schedule, seed, steps, epochs, features, labels,
                               weights))
    print("wrote the setup and %d training runs to %s" % (len(RUNS), OUT_DIR))


if __name__ == "__main__":
    main()
