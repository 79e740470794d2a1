package sibyl.cluster;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One member's view of its cluster: the members it sees live, oldest first, with the loads they
 * last told, and what this member has done for the cluster.
 *
 * @param cluster the cluster's name
 * @param self this member's id
 * @param draining whether this node is stopping
 * @param members the live members as this one sees them
 * @param counters this member's ownership counters ({@link Ownership.Counters#asMap})
 */
public record ClusterStatus(String cluster, UUID self, boolean draining, List<Member> members,
        Map<String, Long> counters) {

    /**
     * A live member and its load as it last told it.
     *
     * @param lite a lite member (warming up): it answers for no URL yet
     * @param objects URLs it holds
     * @param bytes bytes they cost
     * @param exceptions URLs it holds and has claimed (held though placed on another member)
     * @param claimsKept claims it keeps for the partitions it owns
     */
    public record Member(MemberInfo info, boolean lite, boolean draining, long objects, long bytes, long exceptions,
            long claimsKept) {}

    public ClusterStatus {
        members = List.copyOf(members);
        counters = Map.copyOf(counters);
    }

    /** As JSON, for tools. */
    public String toJson() {
        StringBuilder json = new StringBuilder("{\"cluster\":").append(quote(cluster))
                .append(",\"self\":").append(quote(self.toString()))
                .append(",\"draining\":").append(draining)
                .append(",\"members\":[");
        for (int i = 0; i < members.size(); i++) {
            Member member = members.get(i);
            MemberInfo info = member.info();
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(quote(info.id().toString()))
                    .append(",\"name\":").append(quote(info.name()))
                    .append(",\"cluster_address\":").append(quote(info.cluster()))
                    .append(",\"http_address\":").append(quote(info.http()))
                    .append(",\"lite\":").append(member.lite())
                    .append(",\"draining\":").append(member.draining())
                    .append(",\"objects\":").append(member.objects())
                    .append(",\"bytes\":").append(member.bytes())
                    .append(",\"exceptions\":").append(member.exceptions())
                    .append(",\"claims_kept\":").append(member.claimsKept())
                    .append(",\"self\":").append(info.id().equals(self))
                    .append('}');
        }
        json.append("],\"counters\":{");
        String separator = "";
        for (Map.Entry<String, Long> counter : new java.util.TreeMap<>(counters).entrySet()) {
            json.append(separator).append(quote(counter.getKey())).append(':').append(counter.getValue());
            separator = ",";
        }
        return json.append("}}").toString();
    }

    /** As text, one member a line, the way Squid's manager pages read. */
    public String toText() {
        StringBuilder text = new StringBuilder("cluster ").append(cluster).append(": ").append(members.size())
                .append(members.size() == 1 ? " member" : " members")
                .append(draining ? " (this node is draining)" : "").append('\n');
        text.append(String.format("%-2s %-20s %-22s %-22s %9s %12s %10s %10s  %s%n", "", "name", "cluster address",
                "http address", "objects", "bytes", "exceptions", "claims", "id"));
        for (Member member : members) {
            MemberInfo info = member.info();
            text.append(String.format("%-2s %-20s %-22s %-22s %9d %12d %10d %10d  %s%s%n",
                    info.id().equals(self) ? "*" : "", info.name(), info.cluster(), info.http(), member.objects(),
                    member.bytes(), member.exceptions(), member.claimsKept(), info.id(),
                    member.lite() ? " (warming up)" : member.draining() ? " (draining)" : ""));
        }
        return text.toString();
    }

    private static String quote(String value) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : String.valueOf(value).toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
