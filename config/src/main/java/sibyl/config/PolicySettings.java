package sibyl.config;

import com.typesafe.config.Config;

/**
 * One entry of {@code icp.policies}. Its settings are the policy type's business, so they stay a
 * {@link Config} that keeps each value's file and line for the type's own error messages.
 *
 * @param key the entry's full path, e.g. {@code icp.policies.10-acl}
 * @param name the name it is registered under, e.g. {@code 10-acl}
 * @param block {@code type} and the type's settings
 */
public record PolicySettings(String key, String name, Config block) {}
