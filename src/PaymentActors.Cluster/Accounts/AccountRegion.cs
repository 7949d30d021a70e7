namespace PaymentActors.Cluster.Accounts;

/// <summary>Registry key of the account shard region (Akka.Hosting <c>IRequiredActor&lt;AccountRegion&gt;</c>).</summary>
public sealed class AccountRegion;
