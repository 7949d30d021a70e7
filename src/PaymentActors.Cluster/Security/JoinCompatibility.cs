using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using PaymentActors.Cluster.Hosting;

namespace PaymentActors.Cluster.Security;

/// <summary>
/// What nodes of one cluster must agree on: the journal backend, the durable state (<see cref="ClusterIdentity"/>),
/// the shard count, the serializer's format version and the number of window projections (0: a node of an earlier
/// version, which counted windows in each node's stage: mixed with projections, decisions would be counted twice).
/// A node that differs in any of them must never host a shard.
/// </summary>
public sealed record JoinCompatibility(string Journal, string ClusterId, int ShardCount, int SerializerFormat, int WindowPartitions = 0)
{
    /// <summary>The serializer's wire and journal format version: nodes writing another format must not share a journal.</summary>
    public const int CurrentSerializerFormat = PaymentActors.Protocol.Serialization.PaymentsSerializer.FormatVersion;

    public const string RolePrefix = "compat-";

    public static JoinCompatibility Of(PaymentsNodeSettings settings, string clusterId) =>
        new(settings.Database.ToString().ToLowerInvariant(), clusterId, settings.ShardCount, CurrentSerializerFormat, settings.Windows.Partitions);

    public string Describe() =>
        $"journal={Journal};cluster-id={ClusterId};shards={ShardCount};serializer-format={SerializerFormat};window-partitions={WindowPartitions}";

    /// <summary>A role every node carries, so any member can tell a compatible newcomer from the gossip alone.</summary>
    public string Role => RolePrefix + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Describe())))[..16].ToLowerInvariant();

    public static JoinCompatibility? Parse(string described)
    {
        var parts = described.Split(';').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return parts.TryGetValue("journal", out var j) && parts.TryGetValue("cluster-id", out var c) && parts.TryGetValue("shards", out var s)
               && int.TryParse(s, out var shards) && parts.TryGetValue("serializer-format", out var f) && int.TryParse(f, out var format)
            ? new JoinCompatibility(j, c, shards, format,
                parts.TryGetValue("window-partitions", out var w) && int.TryParse(w, out var partitions) ? partitions : 0)
            : null;
    }

    /// <summary>Why <paramref name="other"/> cannot share a cluster with this node, or null when it can.</summary>
    public string? Differences(JoinCompatibility other)
    {
        var reasons = new List<string>();
        if (Journal != other.Journal)
        {
            reasons.Add($"journal backend {other.Journal}, the cluster uses {Journal}");
        }
        else if (ClusterId != other.ClusterId)
        {
            reasons.Add($"another database (cluster identity {other.ClusterId}, the cluster's is {ClusterId})");
        }

        if (ShardCount != other.ShardCount)
        {
            reasons.Add($"{other.ShardCount} shards, the cluster uses {ShardCount}");
        }

        if (WindowPartitions != other.WindowPartitions)
        {
            reasons.Add(other.WindowPartitions == 0
                ? "an earlier version that counts windows on each node (this cluster counts them from the journal)"
                : $"{other.WindowPartitions} window partitions, the cluster uses {WindowPartitions}");
        }

        if (SerializerFormat != other.SerializerFormat)
        {
            reasons.Add($"serializer format {other.SerializerFormat}, the cluster uses {SerializerFormat}");
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }
}

/// <summary>Set when this node found itself incompatible with the cluster it was told to join; the host exits non-zero.</summary>
public sealed class JoinRefusal
{
    public string? Reason { get; private set; }

    public void Refuse(string reason) => Reason ??= reason;
}

/// <summary>
/// The join handshake, on every node (<c>/user/join-gate</c>):
/// <list type="number">
/// <item>Before joining, a node asks the gates of its seed nodes for their <see cref="JoinCompatibility"/> (plain
///   strings over remoting, which is mutually authenticated): if any differs it logs why, never sends Join, and shuts
///   down with a non-zero exit code. If no seed answers (the first node of a cluster) it joins as before.</item>
/// <item>Every member also carries its compatibility as a role; a gate that sees a <c>payments</c> member whose role
///   differs from its own downs it at once (a node that skipped the handshake), so it never stays to host shards.</item>
/// </list>
/// </summary>
public sealed class JoinGateActor : ReceiveActor
{
    public const string Name = "join-gate";
    public const string Query = "payments-join-compatibility?";
    public const string AnswerPrefix = "payments-join-compatibility:";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly JoinCompatibility _self;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);

    public static Props Props(JoinCompatibility self) => Akka.Actor.Props.Create(() => new JoinGateActor(self));

    public JoinGateActor(JoinCompatibility self)
    {
        _self = self;
        Receive<string>(q => q == Query, _ => Sender.Tell(AnswerPrefix + _self.Describe()));
        Receive<ClusterEvent.MemberJoined>(e => Check(e.Member));
        Receive<ClusterEvent.MemberUp>(e => Check(e.Member));
        Receive<ClusterEvent.CurrentClusterState>(s =>
        {
            foreach (var m in s.Members)
            {
                Check(m);
            }
        });
    }

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberJoined), typeof(ClusterEvent.MemberUp));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Check(Member member)
    {
        if (!member.HasRole(PaymentsHosting.NodeRole) || member.Status is MemberStatus.Down or MemberStatus.Removed || member.HasRole(_self.Role))
        {
            return;
        }

        var theirs = member.Roles.FirstOrDefault(r => r.StartsWith(JoinCompatibility.RolePrefix, StringComparison.Ordinal)) ?? "(none)";
        if (member.Address.Equals(_cluster.SelfAddress))
        {
            return;
        }

        _log.Error("Join refused: downing {0}: its compatibility role {1} differs from this node's {2} ({3})", member.Address, theirs, _self.Role, _self.Describe());
        _cluster.Down(member.Address);
    }

    /// <summary>
    /// Asks the seed nodes' gates (other than <paramref name="selfAddress"/>) for their compatibility; the first
    /// answer decides. Returns null when compatible or when no seed answered within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<string?> CheckSeedsAsync(ActorSystem system, IReadOnlyList<string> seeds, string selfAddress, JoinCompatibility self, TimeSpan timeout)
    {
        // A remote lookup by path is the only way to reach a node before being a member of its cluster.
        var asks = seeds.Where(s => !string.Equals(s, selfAddress, StringComparison.Ordinal))
            .Select(async seed =>
            {
                try
                {
                    var answer = await system.ActorSelection($"{seed}/user/{Name}").Ask<string>(Query, timeout);
                    return (Seed: seed, Answer: answer);
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    return (Seed: seed, Answer: (string?)null);
                }
            })
            .ToList();
        while (asks.Count > 0)
        {
            var done = await Task.WhenAny(asks);
            asks.Remove(done);
            var (seed, answer) = await done;
            if (answer is null)
            {
                continue;
            }

            var theirs = answer.StartsWith(AnswerPrefix, StringComparison.Ordinal) ? JoinCompatibility.Parse(answer[AnswerPrefix.Length..]) : null;
            if (theirs is null)
            {
                return $"seed {seed} answered the compatibility query with something unreadable: {answer}";
            }

            return theirs.Differences(self) is { } why ? $"this node is incompatible with the cluster at {seed}: it has {why}" : null;
        }

        return null;
    }
}

/// <summary>CoordinatedShutdown reason: the join handshake found this node incompatible with the cluster.</summary>
public sealed class JoinRefusedReason : Akka.Actor.CoordinatedShutdown.Reason
{
    public static readonly JoinRefusedReason Instance = new();

    private JoinRefusedReason()
    {
    }

    public override int ExitCode => 3;
}

internal static class TaskExtensions
{
    /// <summary>Runs on without being awaited (the task handles its own failures).</summary>
    public static void Ignore(this Task task)
    {
    }
}
