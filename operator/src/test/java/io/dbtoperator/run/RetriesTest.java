package io.dbtoperator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetriesTest {
  @Test
  void anAttemptThatSucceedsEndsTheRetries() {
    AtomicInteger calls = new AtomicInteger();

    var failure =
        Retries.failure(
            3,
            () -> {
              if (calls.incrementAndGet() == 1) {
                throw new ArtifactStoreException("store unavailable");
              }
            });

    assertThat(failure).isEmpty();
    assertThat(calls).hasValue(2);
  }

  @Test
  void theLastFailureIsReturnedAfterEveryAttempt() {
    AtomicInteger calls = new AtomicInteger();

    var failure =
        Retries.failure(
            2,
            () -> {
              throw new ArtifactStoreException("attempt " + calls.incrementAndGet());
            });

    assertThat(failure).get().extracting(Throwable::getMessage).isEqualTo("attempt 2");
  }

  @Test
  void aBugIsNotRetried() {
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(
            () ->
                Retries.failure(
                    3,
                    () -> {
                      calls.incrementAndGet();
                      throw new IllegalStateException("bug");
                    }))
        .hasMessage("bug");
    assertThat(calls).hasValue(1);
  }
}
