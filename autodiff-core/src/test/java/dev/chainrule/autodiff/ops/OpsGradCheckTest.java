package dev.chainrule.autodiff.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.check.GradCheck;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every op, with its broadcast and axis variants, passes the central-difference gradient check. */
class OpsGradCheckTest {

    static List<OpCase> cases() {
        return OpCase.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void analyticalGradientMatchesCentralDifferences(OpCase c) {
        double worst = GradCheck.defaults().check(c.f(), c.inputs().toArray(new Tensor[0]));
        assertTrue(worst <= 1.0, c.name() + ": " + worst);
    }
}
