package sibyl.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * The ICP server's settings; see {@code reference.conf} for each one's meaning.
 *
 * @param policies in name order, as the chain asks them
 * @param maxRepliesPerSender replies a second to one sender address, per socket; 0: no limit
 */
public record IcpSettings(
        List<InetSocketAddress> listen,
        int threads,
        int receiveBufferBytes,
        boolean nativeTransport,
        Path pluginDirectory,
        List<PolicySettings> policies,
        int maxRepliesPerSender) {

    public IcpSettings {
        listen = List.copyOf(listen);
        policies = List.copyOf(policies);
    }
}
