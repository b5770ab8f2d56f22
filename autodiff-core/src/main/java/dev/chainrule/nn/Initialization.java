package dev.chainrule.nn;

import java.util.SplittableRandom;

/** How a Linear layer's weights are drawn; biases start at zero. */
public enum Initialization {
    /** He/Kaiming normal for ReLU: N(0, 2 / fan_in), as torch.nn.init.kaiming_normal_(nonlinearity='relu'). */
    HE_NORMAL {
        @Override
        double sample(SplittableRandom random, int fanIn, int fanOut) {
            return random.nextGaussian() * Math.sqrt(2.0 / fanIn);
        }
    },
    /** Xavier/Glorot uniform: U(−a, a) with a = √(6 / (fan_in + fan_out)), as torch.nn.init.xavier_uniform_. */
    XAVIER_UNIFORM {
        @Override
        double sample(SplittableRandom random, int fanIn, int fanOut) {
            double bound = Math.sqrt(6.0 / (fanIn + fanOut));
            return (2 * random.nextDouble() - 1) * bound;
        }
    };

    /** One weight of a layer with the given fan-in and fan-out. */
    abstract double sample(SplittableRandom random, int fanIn, int fanOut);
}
