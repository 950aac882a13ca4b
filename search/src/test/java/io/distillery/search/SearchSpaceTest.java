package io.distillery.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.prune.PruningKind;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
    private final SearchSpace space = new SearchSpace(
            List.of(0.25, 0.5, 1.0),
            List.of(1.5, 3.0),
            List.of(0.5),
            List.of("none", "structured:0.5", "2:4", "unstructured:0.8"),
            List.of(false, true));

    @Test
    void gridHasEveryPointOnceWithADistinctId() {
        List<Trial> grid = space.grid(10);
        assertEquals(3 * 2 * 4 * 2, grid.size());
        assertEquals(grid.size(), space.size());
        assertEquals(grid.size(), new HashSet<>(grid.stream().map(Trial::id).toList()).size());
        assertTrue(grid.stream().allMatch(t -> t.epochs() == 10));
        Trial nm = grid.stream()
                .filter(t -> t.prune() == PruningKind.NM_2_4)
                .findFirst()
                .orElseThrow();
        assertEquals(0.5, nm.sparsity());
        assertTrue(grid.stream().map(Trial::id).noneMatch(id -> id.contains(":") || id.contains("/")));
    }

    @Test
    void samplesAreDistinctAndFollowTheSeed() {
        List<Trial> a = space.sample(10, 7, 5);
        assertEquals(10, a.size());
        assertEquals(10, new HashSet<>(a).size());
        assertEquals(a, space.sample(10, 7, 5));
        assertNotEquals(a, space.sample(10, 8, 5));
        assertEquals(space.size(), space.sample(1000, 7, 5).size());
    }

    @Test
    void aBadPruningChoiceIsNamed() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new SearchSpace(
                        List.of(1.0), List.of(2.0), List.of(0.5), List.of("structured:1.5"), List.of(false)));
        assertTrue(e.getMessage().contains("structured:1.5"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> new SearchSpace(List.of(), List.of(2.0), List.of(0.5), List.of("none"), List.of(false)));
    }

    @Test
    void theSettingsKeyLeavesTheBudgetOut() {
        Trial t = space.grid(3).get(0);
        assertEquals(t.settingsKey(), t.withEpochs(9).settingsKey());
        assertNotEquals(t.id(), t.withEpochs(9).id());
    }
}
