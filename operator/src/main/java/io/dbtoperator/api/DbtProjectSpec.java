package io.dbtoperator.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;
import java.util.Map;

/** A dbt project: where its code lives, how dbt runs, and where the operator keeps its state. */
public record DbtProjectSpec(
    @Required @JsonPropertyDescription("Git repository holding the dbt project.") Git git,
    @JsonPropertyDescription("How dbt runs.") Dbt dbt,
    @Required @JsonPropertyDescription("The warehouse dbt builds into.") Warehouse warehouse,
    @JsonPropertyDescription("Where the operator records live commits and refresh times.")
        State state,
    @JsonPropertyDescription("Where dbt artifacts (manifests, run results) are kept.")
        Artifacts artifacts,
    @Pattern(Identifiers.FIVE_FIELD_CRON)
        @Default("\"*/5 * * * *\"")
        @JsonPropertyDescription(
            "Schedule (5-field cron, as for a CronJob) of the ticks at which due refreshes start.")
        String clock,
    @JsonPropertyDescription(
            "Refresh policy that, when set, overrides the refresh policy of every schema.")
        RefreshSpec refresh,
    @JsonPropertyDescription("Settings of schemas that set none themselves.") Defaults defaults,
    @Default("DeployDependents")
        @JsonPropertyDescription(
            "What a change to a view-only schema that others read from deploys: DeployDependents"
                + " (the schema and the schemas reading from it) or FullDeploy (every schema).")
        ViewChangePolicy viewChangePolicy,
    @Default("Auto")
        @JsonPropertyDescription(
            "Auto applies each new plan; Manual waits until approvedPlan equals the plan's hash.")
        ApplyMode applyMode,
    @JsonPropertyDescription("Hash of the plan (status.plan.hash) approved for applyMode Manual.")
        String approvedPlan,
    @JsonPropertyDescription("Stops all deploys and refreshes of the project while true.")
        boolean suspend) {

  /** Where the project's code comes from. */
  @ValidationRule(
      value = "!has(self.ref) || !has(self.commit)",
      message = "set ref or commit, not both")
  public record Git(
      @Required @JsonPropertyDescription("Clone URL, https:// or ssh (git@host:org/repo.git).")
          String url,
      @JsonPropertyDescription(
              "Branch or tag to follow; its head is the desired commit. Absent: the default"
                  + " branch.")
          String ref,
      @Pattern(Identifiers.COMMIT_SHA)
          @JsonPropertyDescription("Commit to pin (lowercase hex sha, 7 to 40 characters).")
          String commit,
      @JsonPropertyDescription("Secret with the credentials to clone; absent for public repos.")
          GitSecretRef secretRef,
      @Default(".")
          @JsonPropertyDescription(
              "Directory of dbt_project.yml inside the repository, relative to its root.")
          String projectDir) {}

  /**
   * Keys of a Secret that hold git credentials; the URL decides which: a token for https, a key and
   * known_hosts for ssh (defaults: the keys of a kubernetes.io/ssh-auth Secret).
   */
  @ValidationRule(
      value = "!has(self.tokenKey) || !has(self.sshPrivateKeyKey)",
      message = "set tokenKey or sshPrivateKeyKey, not both")
  public record GitSecretRef(
      @Required @JsonPropertyDescription("Name of the Secret, in the project's namespace.")
          String name,
      @JsonPropertyDescription("Key holding an HTTPS access token; required for https URLs.")
          String tokenKey,
      @JsonPropertyDescription(
              "Key holding the SSH private key (OpenSSH or PEM, without passphrase), for ssh URLs;"
                  + " default ssh-privatekey.")
          String sshPrivateKeyKey,
      @JsonPropertyDescription(
              "Key holding the known_hosts entries the SSH server's host key must match (checked"
                  + " strictly, no trust on first use); default known_hosts.")
          String knownHostsKey) {}

  /** How dbt runs. */
  public record Dbt(
      @JsonPropertyDescription("Container image with dbt and the warehouse adapter.") String image,
      @JsonPropertyDescription("dbt target name written into the generated profile.") String target,
      @Min(1) @JsonPropertyDescription("dbt --threads; at least 1.") Integer threads,
      @SchemaFrom(type = FreeFormObject.class)
          @JsonPropertyDescription("dbt --vars, as a free-form object.")
          Map<String, Object> vars,
      @Default("true") @JsonPropertyDescription("Run dbt deps before building (packages.yml).")
          Boolean packages,
      @SchemaFrom(type = ResourceRequirementsSchema.class)
          @JsonPropertyDescription("CPU and memory of dbt pods.")
          ResourceRequirements resources,
      @JsonPropertyDescription(
              "Secrets whose every key becomes an environment variable of dbt pods.")
          List<String> envFromSecrets,
      @JsonPropertyDescription("Environment variables of dbt pods taken from Secret keys.")
          List<SecretEnvVar> env) {}

  /** An environment variable whose value is a Secret key. */
  public record SecretEnvVar(
      @Required
          @Pattern("^[A-Za-z_][A-Za-z0-9_]*$")
          @JsonPropertyDescription("Name of the environment variable.")
          String name,
      @Required @JsonPropertyDescription("Secret key holding the value.")
          SecretKeyRef secretKeyRef) {}

  /** Warehouse connection; exactly the block matching type must be set. */
  @ValidationRule(
      value = "self.type == 'snowflake' ? has(self.snowflake) : has(self.postgres)",
      message = "the block named by type (snowflake or postgres) is required")
  public record Warehouse(
      @Required @JsonPropertyDescription("snowflake or postgres.") WarehouseType type,
      @JsonPropertyDescription("Snowflake connection, for type snowflake.") Snowflake snowflake,
      @JsonPropertyDescription("Postgres connection, for type postgres.") Postgres postgres,
      @Required @JsonPropertyDescription("Secret with the warehouse password or private key.")
          WarehouseSecretRef secretRef) {}

  /** Supported warehouses. */
  public enum WarehouseType {
    snowflake,
    postgres
  }

  /** Snowflake connection fields of the generated dbt profile. */
  public record Snowflake(
      @Required @JsonPropertyDescription("Account identifier, e.g. myorg-myaccount.")
          String account,
      @Required @JsonPropertyDescription("User dbt connects as.") String user,
      @JsonPropertyDescription("Role dbt uses.") String role,
      @JsonPropertyDescription("Virtual warehouse that runs the queries.") String warehouse,
      @Required @JsonPropertyDescription("Database dbt builds into.") String database,
      @Required
          @Pattern(Identifiers.IDENTIFIER)
          @JsonPropertyDescription("Profile schema: where models without a custom schema go.")
          String schema,
      @Default("keyPair")
          @JsonPropertyDescription(
              "keyPair (secretRef.privateKeyKey) or password (secretRef.passwordKey).")
          SnowflakeAuthentication authentication) {}

  /** How dbt authenticates to Snowflake. */
  public enum SnowflakeAuthentication {
    keyPair,
    password
  }

  /** Postgres connection fields of the generated dbt profile. */
  public record Postgres(
      @Required @JsonPropertyDescription("Server host name.") String host,
      @Min(1) @Max(65535) @Default("5432") @JsonPropertyDescription("Server port.") Integer port,
      @Required @JsonPropertyDescription("Database dbt builds into.") String database,
      @Required @JsonPropertyDescription("User dbt connects as.") String user,
      @Required
          @Pattern(Identifiers.IDENTIFIER)
          @JsonPropertyDescription("Profile schema: where models without a custom schema go.")
          String schema,
      @JsonPropertyDescription("libpq sslmode.") SslMode sslmode) {}

  /** libpq sslmode values. */
  public enum SslMode {
    disable,
    allow,
    prefer,
    require,
    @JsonProperty("verify-ca")
    verifyCa,
    @JsonProperty("verify-full")
    verifyFull
  }

  /** Keys of the Secret holding warehouse credentials. */
  @ValidationRule(
      value = "has(self.passwordKey) || has(self.privateKeyKey)",
      message = "set passwordKey or privateKeyKey")
  public record WarehouseSecretRef(
      @Required @JsonPropertyDescription("Name of the Secret, in the project's namespace.")
          String name,
      @JsonPropertyDescription("Key holding the password.") String passwordKey,
      @JsonPropertyDescription("Key holding the PEM private key (Snowflake key-pair auth).")
          String privateKeyKey,
      @JsonPropertyDescription("Key holding the private key's passphrase, if it is encrypted.")
          String privateKeyPassphraseKey) {}

  /** The operator's state store. */
  @ValidationRule(
      value =
          "self.type == 'sqlite' || (self.type == 'astra' ? has(self.astra) : has(self.cassandra))",
      message = "the block named by type (astra or cassandra) is required")
  public record State(
      @Required @JsonPropertyDescription("sqlite, astra or cassandra.") StateType type,
      @JsonPropertyDescription("SQLite settings, for type sqlite.") Sqlite sqlite,
      @JsonPropertyDescription("DataStax Astra settings, for type astra.") Astra astra,
      @JsonPropertyDescription("Cassandra settings, for type cassandra.") Cassandra cassandra) {}

  /** Supported state stores. */
  public enum StateType {
    sqlite,
    astra,
    cassandra
  }

  /** A SQLite file, for a single operator replica with a persistent volume. */
  public record Sqlite(
      @Default("/var/lib/dbt-operator/state.db")
          @JsonPropertyDescription("Path of the database file in the operator's pod.")
          String path) {}

  /** DataStax Astra DB. */
  public record Astra(
      @Required @JsonPropertyDescription("Secret key holding the secure connect bundle (zip).")
          SecretKeyRef secureConnectBundle,
      @Required @JsonPropertyDescription("Secret key holding the application token.")
          SecretKeyRef token,
      @Required
          @Pattern(Identifiers.IDENTIFIER)
          @JsonPropertyDescription("Keyspace of the operator's tables.")
          String keyspace) {}

  /** A self-managed Cassandra cluster. */
  public record Cassandra(
      @Required @JsonPropertyDescription("host:port of the nodes to connect to first.")
          List<String> contactPoints,
      @Required @JsonPropertyDescription("Datacenter of the contact points.")
          String localDatacenter,
      @Required
          @Pattern(Identifiers.IDENTIFIER)
          @JsonPropertyDescription("Keyspace of the operator's tables.")
          String keyspace,
      @JsonPropertyDescription("Secret with the username and password; absent: no auth.")
          UsernamePasswordSecretRef credentialsSecretRef) {}

  /** Keys of a Secret holding a username and password. */
  public record UsernamePasswordSecretRef(
      @Required @JsonPropertyDescription("Name of the Secret, in the project's namespace.")
          String name,
      @Default("username") @JsonPropertyDescription("Key holding the username.") String usernameKey,
      @Default("password") @JsonPropertyDescription("Key holding the password.")
          String passwordKey) {}

  /** Where dbt artifacts are kept. */
  @ValidationRule(
      value = "self.type == 's3' ? has(self.s3) : has(self.local)",
      message = "the block named by type (s3 or local) is required")
  public record Artifacts(
      @Required @JsonPropertyDescription("s3 or local.") ArtifactsType type,
      @JsonPropertyDescription("S3 (or S3-compatible) bucket, for type s3.") S3 s3,
      @JsonPropertyDescription("Directory, for type local.") Local local) {}

  /** Supported artifact stores. */
  public enum ArtifactsType {
    s3,
    local
  }

  /** An S3 or S3-compatible bucket. */
  public record S3(
      @Required @JsonPropertyDescription("Bucket name.") String bucket,
      @JsonPropertyDescription("Key prefix of all artifacts, e.g. dbt/prod/.") String prefix,
      @JsonPropertyDescription("AWS region, e.g. eu-west-1.") String region,
      @JsonPropertyDescription("Endpoint URL of an S3-compatible store (e.g. MinIO).")
          String endpoint,
      @JsonPropertyDescription("Use path-style URLs (needed by most S3-compatible stores).")
          Boolean pathStyle,
      @JsonPropertyDescription(
              "Secret with accessKeyId and secretAccessKey; absent: the pod's own credentials.")
          S3SecretRef credentialsSecretRef) {}

  /** Keys of a Secret holding S3 access keys. */
  public record S3SecretRef(
      @Required @JsonPropertyDescription("Name of the Secret, in the project's namespace.")
          String name,
      @Default("accessKeyId") @JsonPropertyDescription("Key holding the access key id.")
          String accessKeyIdKey,
      @Default("secretAccessKey") @JsonPropertyDescription("Key holding the secret access key.")
          String secretAccessKeyKey) {}

  /** A directory on a volume of the operator's pod. */
  public record Local(
      @Required @JsonPropertyDescription("Directory path in the operator's pod.") String path) {}

  /** Settings of schemas that set none themselves. */
  @ValidationRule(
      value =
          "!has(self.grants) || self.grants.all(role, role.matches('"
              + Identifiers.IDENTIFIER
              + "'))",
      message = "grants: role names must be identifiers")
  public record Defaults(
      @JsonPropertyDescription("Refresh policy of schemas without one.") RefreshSpec refresh,
      @JsonPropertyDescription("Privileges by role, for schemas without grants.")
          Map<String, List<String>> grants) {}
}
