package io.distillery.prune;

import static io.distillery.prune.SparsityScheduleTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillery.core.model.Weights;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class MaskPolicyTest {

    @Test
    void kindsParseFromTheirKeys() {
        for (PruningKind kind : PruningKind.values()) {
            assertEquals(kind, PruningKind.parse(kind.key()));
        }
        assertEquals("2:4", PruningKind.NM_2_4.key());
        assertEquals(PruningKind.STRUCTURED, PruningKind.parse("structured"));
        assertMessage(
                "prune.kind must be unstructured, structured or 2:4, found 'channels'",
                () -> PruningKind.parse("channels"));
        assertMessage(
                "prune.kind must be unstructured, structured or 2:4, found 'STRUCTURED'",
                () -> PruningKind.parse("STRUCTURED"));
        assertMessage(
                "prune.kind must be unstructured, structured or 2:4, found 'null'", () -> PruningKind.parse(null));
        assertMessage(
                "prune.kind must be unstructured, structured or 2:4, found null",
                () -> MaskPolicy.of(null, Models.MLP));
    }

    @Test
    void unstructuredIsTodaysMagnitudePruningOfEveryKernel() {
        Weights w = Models.randomized(Models.CNN, 31);
        MaskPolicy policy = MaskPolicy.of(PruningKind.UNSTRUCTURED, Models.CNN);
        assertEquals(PruningListener.maskedVariables(w, PruningScope.KERNELS), policy.maskedVariables(w));
        assertEquals(Masks.magnitude(w, 0.6), policy.at(w, 0.6));
        Weights pruned = policy.at(w, 0.6).apply(w);
        assertEquals(Masks.fromZeros(pruned, PruningScope.KERNELS), policy.fromZeros(pruned));
        assertEquals(Masks.all(w), policy.none(w));
    }

    /** Spark ships the policy to its tasks: a copy must mask exactly as the original. */
    @Test
    void everyPolicySurvivesJavaSerialization() throws IOException, ClassNotFoundException {
        Weights w = Models.randomized(Models.CNN, 32);
        for (PruningKind kind : PruningKind.values()) {
            MaskPolicy policy = MaskPolicy.of(kind, Models.CNN);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(policy);
            }
            MaskPolicy copy;
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                copy = (MaskPolicy) in.readObject();
            }
            assertEquals(policy.maskedVariables(w), copy.maskedVariables(w), kind.key());
            assertEquals(policy.at(w, 0.5), copy.at(w, 0.5), kind.key());
        }
    }
}
