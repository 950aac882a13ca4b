package io.distillery.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** The all-reduce op a reducer builds, read back from the graph. */
class CollectiveReducerTest {
    @Test
    void eachOpTakesTheNextInstanceKeyAndHasNoTimerOfItsOwn() {
        AtomicLong keys = new AtomicLong(7);
        CollectiveReducer reducer = new CollectiveReducer(2, 1, keys);
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            reducer.reduce(tf.withSubScope("a"), tf.constant(new float[] {1, 2}));
            reducer.reduce(tf.withSubScope("b"), tf.constant(new float[] {3}));
            GraphOperation a = g.operation("a/all_reduce");
            GraphOperation b = g.operation("b/all_reduce");
            assertEquals(CollectiveReducer.OP_TYPE, a.type());
            assertEquals(7L, a.attributes().getAttrInt("instance_key"));
            assertEquals(8L, b.attributes().getAttrInt("instance_key"));
            assertEquals(9L, keys.get(), "the counter a reused server keeps");
            assertEquals(2L, a.attributes().getAttrInt("group_size"));
            assertEquals(1L, a.attributes().getAttrInt("group_key"));
            assertEquals("Add", a.attributes().getAttrString("merge_op"));
            assertEquals("Div", a.attributes().getAttrString("final_op"));
            // A timeout on the op starts a sleeping native thread per all-reduce (see the class comment).
            assertEquals(0f, a.attributes().getAttrFloat("timeout_seconds"));
            assertEquals(TFloat32.class, a.output(0).type());
        }
    }

    @Test
    void aGroupNeedsAWorker() {
        assertThrows(IllegalArgumentException.class, () -> new CollectiveReducer(0, 1, new AtomicLong(1)));
    }
}
