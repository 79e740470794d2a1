package sibyl.icp.policy;

/**
 * A type of {@link IcpPolicy} that configuration can name, found with {@link java.util.ServiceLoader}.
 *
 * <p>A plugin is a jar in the node's plugins directory that lists its providers in
 * {@code META-INF/services/sibyl.icp.policy.IcpPolicyProvider}. The node's configuration then
 * registers policies of that type under names of the operator's choosing:
 *
 * <pre>
 * icp.policies {
 *   20-shard { type = "example.shard", shards = 3, index = 0 }
 * }
 * </pre>
 *
 * <p>Each jar is loaded by its own class loader whose parent holds Sibyl's {@code icp} module and
 * its dependencies (Netty, Typesafe Config, SLF4J): bundle any other library the plugin needs.
 * Providers need a public no-argument constructor.
 */
public interface IcpPolicyProvider {

    /**
     * The type name configuration uses, e.g. {@code "acl"}. Built-in types are short words;
     * plugins should use a dotted, organisation-qualified name to avoid clashes.
     */
    String type();

    /**
     * Creates a policy from its settings.
     *
     * @throws com.typesafe.config.ConfigException or {@link IllegalArgumentException} when the
     *     settings are invalid; the message is shown to the operator with the policy's name, so
     *     say which setting is wrong and why (Typesafe Config's own exceptions already name the
     *     setting's file and line)
     */
    IcpPolicy create(PolicyContext context);
}
