package io.dbtoperator.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.Security;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.Test;

class BouncyCastleTest {
  @Test
  void ed25519KeysWorkAfterTheSnowflakeDriverRegisteredItsBouncyCastle() throws Exception {
    // What the Snowflake driver does when it connects: its relocated copy, under the name "BC".
    Security.addProvider(
        new net.snowflake.client.jdbc.internal.org.bouncycastle.jce.provider
            .BouncyCastleProvider());
    io.dbtoperator.BouncyCastle.register();

    KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    byte[] openSsh = SshGitServer.openSsh(key, null);

    assertThat(key.getPrivate().getClass().getName()).doesNotStartWith("net.snowflake");
    assertThat(new String(openSsh, java.nio.charset.StandardCharsets.US_ASCII))
        .startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
  }
}
