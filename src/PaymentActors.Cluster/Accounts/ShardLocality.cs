using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Cluster.Accounts;

/// <summary>Where a shard lives, seen from one node.</summary>
public enum ShardPlacement
{
    Local,
    Remote,

    /// <summary>Not in the last allocation read (the shard was not allocated yet, or no read has succeeded).</summary>
    Unknown,
}

/// <summary>What <see cref="ShardLocality.Read"/> returns: the allocation last read and the counters since start.</summary>
/// <param name="Deliveries">Transactions this node's ingestion delivered, by where the account's shard lives.</param>
/// <param name="Credits">Applied transfers among those: the payer's node sends the credit to the payee's shard, local
/// when both shards live on the same node.</param>
public sealed record ShardLocalityReport(
    string Self,
    long RefreshedAtMs,
    int ShardsKnown,
    int ShardsLocal,
    IReadOnlyDictionary<string, int> ShardsByNode,
    ShardLocalityCounts Deliveries,
    ShardLocalityCounts Credits);

/// <param name="Pending">Recorded while the shard's home was unknown; classified at the next allocation read.</param>
public sealed record ShardLocalityCounts(long Local, long Remote, long Pending);

/// <summary>
/// Which node hosts each account shard — the allocation as the shard coordinator reports it to
/// <see cref="GetClusterShardingStats"/>, re-read every second by <see cref="ShardLocalityRefresher"/> — and
/// counters of how many messages this node's ingestion sent to shards on this node and on other nodes:
/// the account submissions (a region forwards a message for a remote shard to that shard's node), and the
/// transfer credits that follow an applied transfer (the payer's node sends them to the payee's shard).
/// A delivery recorded while its shard's home is not known yet (the shard was allocated by that very message)
/// is kept per shard and classified at the next read. Thread-safe; recording costs a hash and two lookups.
/// </summary>
public sealed class ShardLocality
{
    private readonly AccountMessageExtractor _extractor;
    private readonly ConcurrentDictionary<string, long> _pendingDeliveries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Payer, string Payee), long> _pendingCredits = new();
    private volatile Allocation _allocation = new("", ImmutableDictionary<string, string>.Empty, 0);
    private long _deliveredLocal;
    private long _deliveredRemote;
    private long _creditsLocal;
    private long _creditsRemote;

    private sealed record Allocation(string Self, ImmutableDictionary<string, string> HomeByShard, long ReadAtMs);

    public ShardLocality(int shardCount = AccountMessageExtractor.DefaultShardCount)
    {
        _extractor = new AccountMessageExtractor(shardCount);
    }

    /// <summary>The shard an account lives in, by the region's own extractor.</summary>
    public string ShardOf(string accountId) => _extractor.ShardId(accountId, null);

    public ShardPlacement PlacementOf(string accountId) => Place(_allocation, ShardOf(accountId));

    /// <summary>Replaces the allocation (node address → its shards) and classifies what was pending.</summary>
    public void Update(Address self, IEnumerable<KeyValuePair<Address, IEnumerable<string>>> shardsByNode, long readAtMs)
    {
        var homes = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (node, shards) in shardsByNode)
        {
            foreach (var shard in shards)
            {
                homes[shard] = node.ToString();
            }
        }

        var allocation = new Allocation(self.ToString(), homes.ToImmutable(), readAtMs);
        _allocation = allocation;
        foreach (var shard in _pendingDeliveries.Keys)
        {
            var placement = Place(allocation, shard);
            if (placement != ShardPlacement.Unknown && _pendingDeliveries.TryRemove(shard, out var count))
            {
                Add(placement, count, ref _deliveredLocal, ref _deliveredRemote);
            }
        }

        foreach (var pair in _pendingCredits.Keys)
        {
            var placement = PlaceCredit(allocation, pair.Payer, pair.Payee);
            if (placement != ShardPlacement.Unknown && _pendingCredits.TryRemove(pair, out var count))
            {
                Add(placement, count, ref _creditsLocal, ref _creditsRemote);
            }
        }
    }

    /// <summary>Counts one delivered transaction, and the credit it causes if it is an applied transfer.</summary>
    public void RecordDelivery(TransactionRequest request, TransactionOutcome outcome)
    {
        var allocation = _allocation;
        var shard = ShardOf(request.AccountId);
        var placement = Place(allocation, shard);
        if (placement == ShardPlacement.Unknown)
        {
            _pendingDeliveries.AddOrUpdate(shard, 1, (_, n) => n + 1);
        }
        else
        {
            Add(placement, 1, ref _deliveredLocal, ref _deliveredRemote);
        }

        if (request.Type == TransactionType.Transfer && outcome.IsApplied && !outcome.IsDuplicate && request.Counterparty is { Length: > 0 } payee)
        {
            var payeeShard = ShardOf(payee);
            var credit = PlaceCredit(allocation, shard, payeeShard);
            if (credit == ShardPlacement.Unknown)
            {
                _pendingCredits.AddOrUpdate((shard, payeeShard), 1, (_, n) => n + 1);
            }
            else
            {
                Add(credit, 1, ref _creditsLocal, ref _creditsRemote);
            }
        }
    }

    public ShardLocalityReport Read()
    {
        var allocation = _allocation;
        var byNode = allocation.HomeByShard.GroupBy(kv => kv.Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new ShardLocalityReport(
            allocation.Self,
            allocation.ReadAtMs,
            allocation.HomeByShard.Count,
            byNode.GetValueOrDefault(allocation.Self),
            byNode,
            new ShardLocalityCounts(Interlocked.Read(ref _deliveredLocal), Interlocked.Read(ref _deliveredRemote), _pendingDeliveries.Values.Sum()),
            new ShardLocalityCounts(Interlocked.Read(ref _creditsLocal), Interlocked.Read(ref _creditsRemote), _pendingCredits.Values.Sum()));
    }

    private static ShardPlacement Place(Allocation allocation, string shard) =>
        !allocation.HomeByShard.TryGetValue(shard, out var home) ? ShardPlacement.Unknown
        : home == allocation.Self ? ShardPlacement.Local
        : ShardPlacement.Remote;

    /// <summary>A credit crosses nodes when the payer's shard and the payee's shard live on different nodes.</summary>
    private static ShardPlacement PlaceCredit(Allocation allocation, string payerShard, string payeeShard) =>
        allocation.HomeByShard.TryGetValue(payerShard, out var from) && allocation.HomeByShard.TryGetValue(payeeShard, out var to)
            ? from == to ? ShardPlacement.Local : ShardPlacement.Remote
            : ShardPlacement.Unknown;

    private static void Add(ShardPlacement placement, long count, ref long local, ref long remote)
    {
        if (placement == ShardPlacement.Local)
        {
            Interlocked.Add(ref local, count);
        }
        else
        {
            Interlocked.Add(ref remote, count);
        }
    }
}

/// <summary>Re-reads the shard allocation into a <see cref="ShardLocality"/> every <c>interval</c> (one read in flight at a time).</summary>
public sealed class ShardLocalityRefresher : ReceiveActor, IWithTimers
{
    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Read(ClusterShardingStats? Stats);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _interval;
    private bool _reading;

    public ShardLocalityRefresher(IActorRef region, ShardLocality locality, TimeSpan interval)
    {
        var self = Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
        Receive<Tick>(_ =>
        {
            if (_reading)
            {
                return;
            }

            _reading = true;
            region.Ask<ClusterShardingStats>(new GetClusterShardingStats(interval * 3), interval * 4)
                .PipeTo(Self, success: stats => new Read(stats), failure: _ => new Read(null));
        });
        Receive<Read>(read =>
        {
            _reading = false;
            // An empty answer means some region did not answer in time: keep the last allocation.
            if (read.Stats is { Regions.Count: > 0 } stats)
            {
                locality.Update(self, stats.Regions.Select(r => new KeyValuePair<Address, IEnumerable<string>>(r.Key, r.Value.Stats.Keys)),
                    DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }
            else
            {
                _log.Debug("shard allocation not read this time; keeping the last one");
            }
        });
        _interval = interval;
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.Zero, _interval);

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, ShardLocality locality, TimeSpan? interval = null) =>
        Akka.Actor.Props.Create(() => new ShardLocalityRefresher(region, locality, interval ?? TimeSpan.FromSeconds(1)));
}
