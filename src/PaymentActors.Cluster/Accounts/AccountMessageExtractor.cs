using Akka.Cluster.Sharding;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Cluster.Accounts;

/// <summary>Routes every <see cref="IWithAccountId"/> to the account's entity by a hash of its id.</summary>
public sealed class AccountMessageExtractor : HashCodeMessageExtractor
{
    /// <summary>
    /// About ten shards per node for the largest cluster we plan (10 nodes): enough granularity for even
    /// rebalancing, few enough that the coordinator's state stays small. Must never change on a live
    /// cluster: the shard of an account would change with it.
    /// </summary>
    public const int DefaultShardCount = 100;

    public AccountMessageExtractor(int shardCount = DefaultShardCount) : base(shardCount)
    {
    }

    public override string? EntityId(object message) => message switch
    {
        IWithAccountId m => m.AccountId,
        _ => null,
    };
}
