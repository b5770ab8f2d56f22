package dev.chainrule.data;

import java.util.SplittableRandom;

/**
 * The sample order of one epoch of a shuffled run, defined exactly so that a distributed
 * coordinator reproduces it from the run's seed and the epoch number.
 *
 * <p>The derivation, for {@code n} samples, run seed {@code seed} and epoch {@code e} (from 0):
 * <ol>
 *   <li>{@code epochSeed = mix64(mix64(seed) ^ e)}, where {@code mix64} is the SplitMix64 finaliser
 *       (Stafford's variant 13): {@code z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
 *       z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL; return z ^ (z >>> 31);}
 *       It is a bijection, so for a fixed seed every epoch gets its own generator, and for a fixed
 *       epoch every seed does.</li>
 *   <li>{@code random = new java.util.SplittableRandom(epochSeed)}.</li>
 *   <li>Start from the identity {@code order[i] = i}; Fisher–Yates from the end:
 *       {@code for (i = n - 1; i > 0; i--) { j = random.nextInt(i + 1); swap(order[i], order[j]); }}</li>
 * </ol>
 * Batch {@code b} of the epoch is then {@code order[b × batch .. min((b + 1) × batch, n))}; see
 * {@link BatchSchedule}.
 */
public final class EpochShuffle {
    private EpochShuffle() {
    }

    /** The seed of epoch {@code epoch}'s generator: {@code mix64(mix64(seed) ^ epoch)}. */
    public static long epochSeed(long seed, long epoch) {
        return mix64(mix64(seed) ^ epoch);
    }

    /** A new array holding the order of {@code n} samples in epoch {@code epoch} of a run seeded with {@code seed}. */
    public static int[] permutation(int n, long seed, long epoch) {
        if (n < 0) {
            throw new IllegalArgumentException("n : " + n + " (expected: >= 0)");
        }
        int[] order = new int[n];
        permute(order, seed, epoch);
        return order;
    }

    /** Fills {@code order} with the order of {@code order.length} samples in epoch {@code epoch} (no allocation but the generator). */
    public static void permute(int[] order, long seed, long epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(epochSeed(seed, epoch));
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** The SplitMix64 finaliser (Stafford's variant 13), as used inside {@link SplittableRandom}. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
