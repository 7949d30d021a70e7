using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;

namespace PaymentActors.Bench.Harness;

/// <summary>A real node (Akka.Hosting, sharding, journal) started inside the benchmark process, logging warnings only.</summary>
public static class BenchNode
{
    public static Task<SingleNode> StartAsync(PaymentsNodeSettings settings, RiskRulesHolder? risk = null, NodeWindows? windows = null) =>
        SingleNode.StartAsync(settings with { ExtraHocon = "akka.loglevel = WARNING\n" + settings.ExtraHocon }, risk ?? RiskRulesHolder.None(), windows);
}
