package io.dbtoperator.state;

import java.time.Duration;

/** Argument checks of the {@link StateStore} contract, shared so all backends reject alike. */
final class StoreArguments {
  private StoreArguments() {}

  static void requireVersion(long expectedVersion) {
    if (expectedVersion < 0) {
      throw new IllegalArgumentException(
          "expected version must be 0 or more, got " + expectedVersion);
    }
  }

  static void requirePositive(Duration ttl) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("lease ttl must be positive, got " + ttl);
    }
  }

  static void requirePageLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("page limit must be at least 1, got " + limit);
    }
  }
}
