using Akka.Configuration;

namespace PaymentActors.Cluster.Tests;

/// <summary>Configuration of the actor tests' ActorSystems: journal and snapshot store in memory, one per system.</summary>
internal static class InMemoryPersistence
{
    public static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        akka.loglevel = INFO
        """);
}
