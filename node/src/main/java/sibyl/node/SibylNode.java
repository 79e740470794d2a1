package sibyl.node;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.config.IcpSettings;
import sibyl.config.NodeSettings;
import sibyl.config.PolicySettings;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.policy.plugins.PluginException;
import sibyl.icp.policy.plugins.PolicyTypes;
import sibyl.icp.server.IcpServer;
import sibyl.icp.server.IcpServerStats;

/** A running node: its settings wired into the ICP server and its policy chain. */
public final class SibylNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SibylNode.class);

    private final String name;
    private final PolicyTypes types;
    private final PolicyChain chain;
    private final ScheduledExecutorService housekeeping;
    private final IcpServer icp;

    private SibylNode(String name, PolicyTypes types, PolicyChain chain, ScheduledExecutorService housekeeping,
            IcpServer icp) {
        this.name = name;
        this.types = types;
        this.chain = chain;
        this.housekeeping = housekeeping;
        this.icp = icp;
    }

    /**
     * Loads the policy types (built-in and plugins), builds the chain the settings name, and starts
     * answering ICP.
     *
     * @throws PluginException naming the plugin jar or policy setting that is wrong
     * @throws BindException naming the ICP address that is taken
     */
    public static SibylNode start(NodeSettings settings) throws PluginException, InterruptedException, BindException {
        String name = settings.name().isEmpty() ? hostName() : settings.name();
        IcpSettings icpSettings = settings.icp();
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sibyl-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        PolicyTypes types = null;
        PolicyChain chain = new PolicyChain();
        try {
            types = PolicyTypes.discover(icpSettings.pluginDirectory());
            for (PolicySettings policy : icpSettings.policies()) {
                chain.register(policy.name(), types.create(policy.key(), policy.name(), policy.block(), housekeeping));
            }
            log.info("node {}: ICP policies in order {} (then ICP_OP_MISS); known types {}", name, chain.names(),
                    types.names());
            IcpServer icp = IcpServer.start(new IcpServer.Options(icpSettings.listen(), icpSettings.threads(),
                    icpSettings.receiveBufferBytes(), icpSettings.nativeTransport()), chain);
            return new SibylNode(name, types, chain, housekeeping, icp);
        } catch (PluginException | InterruptedException | BindException | RuntimeException e) {
            chain.close();
            if (types != null) {
                types.close();
            }
            housekeeping.shutdownNow();
            throw e;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "sibyl";
        }
    }

    public String name() {
        return name;
    }

    /** The ICP addresses, with the ports picked for port 0. */
    public List<InetSocketAddress> icpAddresses() {
        return icp.addresses();
    }

    public IcpServerStats icpStats() {
        return icp.stats();
    }

    /** The live policy chain: registering on it changes answers at once. */
    public PolicyChain policies() {
        return chain;
    }

    /** Stops answering, then releases the policies, plugins and threads. */
    @Override
    public void close() {
        icp.close();
        chain.close();
        housekeeping.shutdownNow();
        try {
            housekeeping.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        types.close();
        log.info("node {} stopped", name);
    }
}
