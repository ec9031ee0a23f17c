package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Bounded concurrency, every relation attempted once, and failures named, with no warehouse. */
class ConcurrentClonesTest {

  private static final List<String> RELATIONS =
      IntStream.range(0, 12).mapToObj(i -> "t" + i).toList();

  /** Sessions that hold each clone for a moment and count how many run at once. */
  private static final class Counting implements ConcurrentClones.Sessions {
    final Set<String> cloned = ConcurrentHashMap.newKeySet();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    final String failing;

    Counting(String failing) {
      this.failing = failing;
    }

    @Override
    public ConcurrentClones.Session open() {
      return new ConcurrentClones.Session() {
        @Override
        public void clone(String relation) throws SQLException {
          mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
          try {
            Thread.sleep(30);
            if (relation.equals(failing)) {
              throw new SQLException("relation " + relation + " is locked\n  by another run");
            }
            assertThat(cloned.add(relation)).as(relation + " cloned once").isTrue();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            running.decrementAndGet();
          }
        }

        @Override
        public void close() {}
      };
    }
  }

  @Test
  void clonesEveryRelationOnAtMostTheSessionLimit() {
    Counting sessions = new Counting(null);

    ConcurrentClones.run("clone marts", RELATIONS, sessions, SQLException::getMessage);

    assertThat(sessions.cloned).containsExactlyInAnyOrderElementsOf(RELATIONS);
    assertThat(sessions.mostAtOnce.get()).isBetween(2, ConcurrentClones.SESSIONS);
  }

  @Test
  void aFailureIsNamedAfterEveryOtherRelationWasCloned() {
    Counting sessions = new Counting("t5");

    assertThatThrownBy(
            () ->
                ConcurrentClones.run(
                    "clone marts", RELATIONS, sessions, e -> e.getMessage().replace('\n', ' ')))
        .isInstanceOf(WarehouseException.class)
        .hasMessage("clone marts failed for t5: relation t5 is locked   by another run");
    assertThat(sessions.cloned).hasSize(RELATIONS.size() - 1).doesNotContain("t5");
  }

  @Test
  void whenNoSessionConnectsEveryRelationIsReportedNotAttempted() {
    assertThatThrownBy(
            () ->
                ConcurrentClones.run(
                    "clone marts",
                    List.of("a", "b"),
                    () -> {
                      throw new SQLException("password authentication failed");
                    },
                    SQLException::getMessage))
        .isInstanceOf(WarehouseException.class)
        .hasMessage(
            "clone marts failed for a: not attempted: password authentication failed;"
                + " b: not attempted: password authentication failed");
  }
}
