package sibyl.config;

import java.util.Objects;

/**
 * Everything a node is configured with.
 *
 * @param name the node's name; empty means the host name
 * @param icp the ICP server and its policies
 */
public record NodeSettings(String name, IcpSettings icp) {
    public NodeSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(icp, "icp");
    }
}
