using Akka.Configuration;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Risk;
using Xunit.Abstractions;

namespace PaymentActors.Cluster.Tests.Alerts;

public sealed class AlertCollectorActorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Config, output: output)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """);

    private static Alert Alert(string id, string account, long time) =>
        new(id, account, TransactionType.Transfer, 100, "EUR", time, TransactionStatus.Flagged, []);

    [Fact]
    public void Total_counts_the_alerts_matching_the_query_not_every_alert()
    {
        var collector = Sys.ActorOf(AlertCollectorActor.Props([]));
        collector.Tell(new AlertRaised(Alert("t1", "A", 10)), TestActor);
        collector.Tell(new AlertRaised(Alert("t2", "A", 20)), TestActor);
        collector.Tell(new AlertRaised(Alert("t3", "B", 30)), TestActor);

        AwaitAssert(() =>
        {
            collector.Tell(new GetAlerts(null, long.MinValue, long.MaxValue, 100), TestActor);
            Assert.Equal(3, ExpectMsg<AlertsReply>().Total);
        });

        collector.Tell(new GetAlerts("NOBODY", long.MinValue, long.MaxValue, 100), TestActor);
        var none = ExpectMsg<AlertsReply>();
        Assert.Empty(none.Alerts);
        Assert.Equal(0, none.Total);

        collector.Tell(new GetAlerts("A", long.MinValue, long.MaxValue, 1), TestActor);
        var a = ExpectMsg<AlertsReply>();
        Assert.Equal("t2", Assert.Single(a.Alerts).TransactionId);
        Assert.Equal(2, a.Total);

        collector.Tell(new GetAlerts(null, 15, 35, 100), TestActor);
        Assert.Equal(2, ExpectMsg<AlertsReply>().Total);
    }
}
