package io.dbtoperator;

import java.security.Provider;
import java.security.Security;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Makes the security provider named "BC" Bouncy Castle itself. The Snowflake JDBC driver registers
 * its relocated copy under that name when none is there, and the SSH library (Apache MINA sshd)
 * takes whatever "BC" is: with the copy, its Ed25519 keys fail with a ClassCastException. With
 * Bouncy Castle itself both work, since the driver uses the provider through the JCA interfaces.
 */
public final class BouncyCastle {
  private BouncyCastle() {}

  /** Call before the SSH library or the Snowflake driver is used. */
  public static synchronized void register() {
    Provider registered = Security.getProvider(BouncyCastleProvider.PROVIDER_NAME);
    if (registered instanceof BouncyCastleProvider) {
      return;
    }
    if (registered != null) {
      Security.removeProvider(BouncyCastleProvider.PROVIDER_NAME);
    }
    Security.addProvider(new BouncyCastleProvider());
  }
}
