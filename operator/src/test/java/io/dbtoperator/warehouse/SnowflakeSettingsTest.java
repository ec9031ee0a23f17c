package io.dbtoperator.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dbtoperator.api.DbtProjectSpec;
import io.dbtoperator.api.DbtProjectSpec.SnowflakeAuthentication;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SnowflakeSettingsTest {

  private static final String PASSPHRASE = "correct horse battery";
  private static KeyPair keyPair;
  private static String plainPem;
  private static String encryptedPem;

  @BeforeAll
  static void generateKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    keyPair = generator.generateKeyPair();
    plainPem = pem("PRIVATE KEY", keyPair.getPrivate().getEncoded());
    encryptedPem = pem("ENCRYPTED PRIVATE KEY", encrypt(keyPair.getPrivate(), PASSPHRASE));
  }

  /**
   * PBES2 with PBKDF2-HMAC-SHA256 and AES-256, as {@code openssl pkcs8 -topk8} writes by default.
   */
  static byte[] encrypt(PrivateKey key, String passphrase) throws Exception {
    String algorithm = "PBEWithHmacSHA256AndAES_256";
    byte[] salt = new byte[16];
    byte[] iv = new byte[16];
    new SecureRandom().nextBytes(salt);
    new SecureRandom().nextBytes(iv);
    Cipher cipher = Cipher.getInstance(algorithm);
    cipher.init(
        Cipher.ENCRYPT_MODE,
        SecretKeyFactory.getInstance(algorithm)
            .generateSecret(new PBEKeySpec(passphrase.toCharArray())),
        new PBEParameterSpec(salt, 10000, new IvParameterSpec(iv)));
    // Java 17's EncryptedPrivateKeyInfo knows the parameters only under their OID's name, PBES2.
    AlgorithmParameters pbes2 = AlgorithmParameters.getInstance("PBES2");
    pbes2.init(cipher.getParameters().getEncoded());
    return new EncryptedPrivateKeyInfo(pbes2, cipher.doFinal(key.getEncoded())).getEncoded();
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static DbtProjectSpec.Warehouse spec(
      String database, String role, SnowflakeAuthentication auth, String passphraseKey) {
    return new DbtProjectSpec.Warehouse(
        DbtProjectSpec.WarehouseType.snowflake,
        new DbtProjectSpec.Snowflake(
            "myorg-myaccount", "DBT_USER", role, "transforming", database, "analytics", auth),
        null,
        new DbtProjectSpec.WarehouseSecretRef(
            "snowflake-creds", "password", "rsa_key.p8", passphraseKey));
  }

  @Test
  void plainPkcs8KeyIsRead() {
    PrivateKey key = PemPrivateKeys.parse(plainPem, null, "f");
    assertThat(key.getEncoded()).isEqualTo(keyPair.getPrivate().getEncoded());
  }

  @Test
  void encryptedPkcs8KeyIsDecryptedWithThePassphrase() {
    PrivateKey key = PemPrivateKeys.parse(encryptedPem, PASSPHRASE, "f");
    assertThat(key.getEncoded()).isEqualTo(keyPair.getPrivate().getEncoded());
  }

  @Test
  void des3KeyAsSnowflakeDocumentsItIsDecrypted() throws Exception {
    // Made once with: openssl genrsa 2048 | openssl pkcs8 -topk8 -v2 des3 (test-only key).
    String pem = Files.readString(Path.of("src/test/resources/snowflake/test-key-des3.p8"));
    PrivateKey key = PemPrivateKeys.parse(pem, "test-only-passphrase", "f");
    assertThat(key.getAlgorithm()).isEqualTo("RSA");
    assertThat(key.getEncoded()).hasSizeGreaterThan(1000);
  }

  @Test
  void wrongPassphraseNamesTheFieldAndNoSecret() {
    assertThatThrownBy(
            () ->
                PemPrivateKeys.parse(
                    encryptedPem, "Tr0ub4dor&3", "spec.warehouse.secretRef.privateKeyKey"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "spec.warehouse.secretRef.privateKeyKey: cannot decrypt the private key: wrong"
                + " passphrase or unsupported encryption")
        .satisfies(e -> assertNoSecretIn(e, "Tr0ub4dor&3"));
  }

  @Test
  void encryptedKeyWithoutPassphraseAndGarbageAreRejected() {
    assertThatThrownBy(() -> PemPrivateKeys.parse(encryptedPem, null, "k"))
        .hasMessageStartingWith("k: the private key is encrypted but no passphrase was given");
    assertThatThrownBy(() -> PemPrivateKeys.parse("ssh-rsa AAAA secret", null, "k"))
        .hasMessageStartingWith("k: not a PKCS8 PEM private key")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("AAAA"));
    String rsaPkcs1 = plainPem.replace("PRIVATE KEY", "RSA PRIVATE KEY");
    assertThatThrownBy(() -> PemPrivateKeys.parse(rsaPkcs1, null, "k"))
        .hasMessageStartingWith("k: not a PKCS8 PEM private key");
  }

  @Test
  void fromSpecReadsKeyPairSettings() {
    Map<String, String> secret = Map.of("rsa_key.p8", encryptedPem, "pass", PASSPHRASE);
    SnowflakeSettings settings =
        SnowflakeSettings.fromSpec(spec("analytics", "transformer", null, "pass"), secret::get);

    assertThat(settings.authentication()).isEqualTo(SnowflakeAuthentication.keyPair);
    assertThat(settings.loginTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(settings.queryTags()).isTrue();
    assertThat(settings.toString()).doesNotContain(PASSPHRASE).doesNotContain("PRIVATE KEY");

    Properties properties = SnowflakeConnections.properties(settings);
    assertThat(properties)
        .containsEntry("user", "DBT_USER")
        .containsEntry("role", "TRANSFORMER")
        .containsEntry("warehouse", "TRANSFORMING")
        .containsEntry("db", "ANALYTICS")
        .containsEntry("loginTimeout", "10")
        .containsEntry("networkTimeout", "300000")
        .containsEntry("authenticator", "SNOWFLAKE_JWT")
        .doesNotContainKey("password");
    assertThat(((PrivateKey) properties.get("privateKey")).getEncoded())
        .isEqualTo(keyPair.getPrivate().getEncoded());
    assertThat(SnowflakeConnections.jdbcUrl(settings))
        .isEqualTo("jdbc:snowflake://myorg-myaccount.snowflakecomputing.com/");
  }

  @Test
  void fromSpecReadsPasswordSettings() {
    SnowflakeSettings settings =
        SnowflakeSettings.fromSpec(
            spec("analytics", null, SnowflakeAuthentication.password, null),
            Map.of("password", "s3cret!")::get);

    Properties properties = SnowflakeConnections.properties(settings);
    assertThat(properties).containsEntry("password", "s3cret!").doesNotContainKey("role");
    assertThat(settings.toString()).doesNotContain("s3cret!");
  }

  @Test
  void fromSpecNamesTheFieldOfEachError() {
    Map<String, String> secret = Map.of("rsa_key.p8", plainPem, "password", "pw");
    assertThatThrownBy(
            () -> SnowflakeSettings.fromSpec(spec("my-db", null, null, null), secret::get))
        .hasMessage("spec.warehouse.snowflake.database: \"my-db\" is not a valid identifier");
    assertThatThrownBy(() -> SnowflakeSettings.fromSpec(spec("db", "a b", null, null), secret::get))
        .hasMessage("spec.warehouse.snowflake.role: \"a b\" is not a valid identifier");
    assertThatThrownBy(
            () ->
                SnowflakeSettings.fromSpec(
                    spec("db", null, null, null), Map.of("password", "pw")::get))
        .hasMessage(
            "spec.warehouse.secretRef.privateKeyKey: Secret \"snowflake-creds\" has no key"
                + " \"rsa_key.p8\"");
    assertThatThrownBy(
            () ->
                SnowflakeSettings.fromSpec(
                    spec("db", null, null, "pass"),
                    Map.of("rsa_key.p8", encryptedPem, "pass", "nope")::get))
        .hasMessageStartingWith("spec.warehouse.secretRef.privateKeyKey: cannot decrypt")
        .satisfies(e -> assertNoSecretIn(e, "nope"));
    DbtProjectSpec.Warehouse postgres =
        new DbtProjectSpec.Warehouse(
            DbtProjectSpec.WarehouseType.postgres,
            null,
            null,
            new DbtProjectSpec.WarehouseSecretRef("c", "password", null, null));
    assertThatThrownBy(() -> SnowflakeSettings.fromSpec(postgres, secret::get))
        .hasMessage("spec.warehouse.type: \"postgres\" is not snowflake");
    DbtProjectSpec.Warehouse badAccount =
        new DbtProjectSpec.Warehouse(
            DbtProjectSpec.WarehouseType.snowflake,
            new DbtProjectSpec.Snowflake("evil.com/x?", "u", null, null, "db", "s", null),
            null,
            new DbtProjectSpec.WarehouseSecretRef("c", "password", null, null));
    assertThatThrownBy(() -> SnowflakeSettings.fromSpec(badAccount, secret::get))
        .hasMessage(
            "spec.warehouse.snowflake.account: \"evil.com/x?\" is not a valid account identifier");
  }

  private static void assertNoSecretIn(Throwable e, String secret) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain(secret).doesNotContain("BEGIN");
    }
  }
}
