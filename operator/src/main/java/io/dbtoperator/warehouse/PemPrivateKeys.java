package io.dbtoperator.warehouse;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.snowflake.client.jdbc.internal.org.bouncycastle.jce.provider.BouncyCastleProvider;
import net.snowflake.client.jdbc.internal.org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import net.snowflake.client.jdbc.internal.org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the RSA private key of Snowflake key-pair authentication from PKCS8 PEM text, plain ("
 * PRIVATE KEY") or encrypted ("ENCRYPTED PRIVATE KEY").
 *
 * <p>Encrypted keys are decrypted with the BouncyCastle that snowflake-jdbc bundles (relocated
 * under its internal package): the key Snowflake's documentation has users make ({@code openssl
 * pkcs8 -topk8 -v2 des3}) is PBES2 with triple DES, which the JDK's EncryptedPrivateKeyInfo rejects
 * (it knows PBES2 only with AES). Errors name the field the PEM came from, never its text.
 */
public final class PemPrivateKeys {

  private static final Pattern PEM =
      Pattern.compile(
          "-----BEGIN (PRIVATE KEY|ENCRYPTED PRIVATE KEY)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

  private PemPrivateKeys() {}

  /**
   * @param passphrase of an encrypted key; ignored for a plain one
   * @param field where the PEM came from, e.g. {@code spec.warehouse.secretRef.privateKeyKey}
   */
  public static PrivateKey parse(String pem, String passphrase, String field) {
    Matcher matcher = PEM.matcher(pem == null ? "" : pem);
    if (!matcher.find()) {
      throw new IllegalArgumentException(
          field
              + ": not a PKCS8 PEM private key (expected -----BEGIN PRIVATE KEY----- or -----BEGIN"
              + " ENCRYPTED PRIVATE KEY-----; convert others with openssl pkcs8 -topk8)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(matcher.group(2).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": the PEM body is not valid base64");
    }
    boolean encrypted = matcher.group(1).startsWith("ENCRYPTED");
    if (encrypted) {
      der = decrypt(der, passphrase, field);
    }
    try {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(field + ": not an RSA private key", e);
    }
  }

  private static byte[] decrypt(byte[] der, String passphrase, String field) {
    if (passphrase == null || passphrase.isEmpty()) {
      throw new IllegalArgumentException(
          field
              + ": the private key is encrypted but no passphrase was given"
              + " (spec.warehouse.secretRef.privateKeyPassphraseKey)");
    }
    try {
      return new PKCS8EncryptedPrivateKeyInfo(der)
          .decryptPrivateKeyInfo(
              new JceOpenSSLPKCS8DecryptorProviderBuilder()
                  .setProvider(BOUNCY_CASTLE)
                  .build(passphrase.toCharArray()))
          .getEncoded();
    } catch (Exception e) {
      // BouncyCastle's messages say which step failed (bad padding, unknown cipher) and hold no
      // key bytes or passphrase, so the cause is kept for diagnosis.
      throw new IllegalArgumentException(
          field + ": cannot decrypt the private key: wrong passphrase or unsupported encryption",
          e);
    }
  }
}
