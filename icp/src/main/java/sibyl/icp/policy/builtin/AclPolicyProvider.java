package sibyl.icp.policy.builtin;

import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Set;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpPolicyProvider;
import sibyl.icp.policy.PolicyContext;

/** The {@code acl} type: see {@link AclPolicy}. */
public final class AclPolicyProvider implements IcpPolicyProvider {
    private static final Logger log = LoggerFactory.getLogger(AclPolicy.class);

    @Override
    public String type() {
        return "acl";
    }

    @Override
    public IcpPolicy create(PolicyContext context) {
        context.rejectUnknownSettings(Set.of("allow"));
        List<Cidr> blocks = new ArrayList<>();
        for (String entry : context.settings().getStringList("allow")) {
            try {
                blocks.add(Cidr.parse(entry));
            } catch (IllegalArgumentException e) {
                throw new ConfigException.BadValue(context.settings().origin(), "allow", e.getMessage());
            }
        }
        AclPolicy policy = new AclPolicy(blocks);
        if (blocks.isEmpty()) {
            log.warn("ICP policy '{}': the allow list is empty: every query gets ICP_OP_DENIED", context.name());
        } else if (policy.loopbackOnly()) {
            log.info("ICP policy '{}': queries are allowed from loopback only ({}); others get ICP_OP_DENIED. "
                    + "Add your Squid's addresses to icp.policies.{}.allow", context.name(), blocks, context.name());
        } else {
            log.info("ICP policy '{}': queries are allowed from {}; others get ICP_OP_DENIED", context.name(), blocks);
        }
        return policy;
    }
}
