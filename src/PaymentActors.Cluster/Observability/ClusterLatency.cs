using Akka.Actor;
using Akka.Cluster;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Protocol.Observability;

namespace PaymentActors.Cluster.Observability;

/// <summary>One member's answer to <see cref="GetNodeLatency"/>, keyed by the incarnation asked (a restarted node starts again from 0).</summary>
public sealed record MemberLatency(UniqueAddress Member, NodeLatencyReply Reply);

/// <summary>The members asked and those that answered in time.</summary>
public sealed record ClusterLatencyReading(IReadOnlyList<UniqueAddress> Asked, IReadOnlyList<MemberLatency> Answers);

/// <summary>
/// Cluster-wide figures over the nodes that answered: decisions per second, decisions since each started (summed),
/// and the latency buckets of the last minute summed across nodes (bucket i: [2^i, 2^(i+1)) µs).
/// </summary>
public sealed record ClusterLatencyFigures(int Answered, int Members, double Throughput, long Decided, long[] LastMinute);

/// <summary>Asks every Up node's <see cref="LatencyReporterActor"/> at once; a node that does not answer in time is left out.</summary>
public static class ClusterLatencyGatherer
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>The Up members with the payments role (client systems never join, so these are the nodes).</summary>
    public static IReadOnlyList<UniqueAddress> UpNodes(Akka.Cluster.Cluster cluster) =>
        cluster.State.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole(PaymentsHosting.NodeRole)).Select(m => m.UniqueAddress).ToList();

    /// <param name="reporterOf">Where a member's reporter is (<see cref="LatencyReporterActor.On"/>; a probe in tests).</param>
    public static async Task<ClusterLatencyReading> GatherAsync(IReadOnlyList<UniqueAddress> members, Func<Address, ICanTell> reporterOf, TimeSpan timeout,
        CancellationToken ct = default)
    {
        var answers = await Task.WhenAll(members.Select(async member =>
        {
            try
            {
                return new MemberLatency(member, await reporterOf(member.Address).Ask<NodeLatencyReply>(GetNodeLatency.Instance, timeout, ct));
            }
            catch (Exception e) when (e is AskTimeoutException or OperationCanceledException)
            {
                return null;
            }
        }));
        return new ClusterLatencyReading(members, answers.OfType<MemberLatency>().ToList());
    }
}

/// <summary>Sums and differences of latency bucket arrays (the histograms of several nodes, or two reads of one).</summary>
public static class LatencyBuckets
{
    /// <summary>Bucket-wise sum; arrays of different lengths are summed up to the longest (a missing bucket counts 0).</summary>
    public static long[] Sum(IEnumerable<IReadOnlyList<long>> histograms)
    {
        var sum = Array.Empty<long>();
        foreach (var h in histograms)
        {
            if (h.Count > sum.Length)
            {
                Array.Resize(ref sum, h.Count);
            }

            for (var i = 0; i < h.Count; i++)
            {
                sum[i] += h[i];
            }
        }

        return sum;
    }

    /// <summary>What was counted between two cumulative reads of one node.</summary>
    public static long[] Since(IReadOnlyList<long> now, IReadOnlyList<long> then) =>
        now.Select((n, i) => n - (i < then.Count ? then[i] : 0)).ToArray();
}

/// <summary>
/// The dashboard's memory of each node's cumulative answers: per node the reads of the last <c>span</c>, so each new
/// reading gives the cluster's throughput (each node's decisions since its previous answer, over the time between) and
/// its last-minute buckets (each node's now minus its oldest read within the span, summed; quantiles are then taken
/// over the sum, never averaged across nodes). A node with no earlier read counts 0 until its next answer. One per
/// dashboard connection; not thread-safe.
/// </summary>
public sealed class ClusterLatencyWindow(TimeSpan span)
{
    private sealed record Sample(TimeSpan At, long Decided, IReadOnlyList<long> Buckets);

    private readonly Dictionary<UniqueAddress, Queue<Sample>> _history = [];

    /// <param name="at">When the reading was taken, on a monotonic clock.</param>
    public ClusterLatencyFigures Add(ClusterLatencyReading reading, TimeSpan at)
    {
        // Members gone (or restarted under a new incarnation) are forgotten.
        foreach (var gone in _history.Keys.Except(reading.Asked).ToList())
        {
            _history.Remove(gone);
        }

        double throughput = 0;
        var lastMinute = new List<IReadOnlyList<long>>();
        foreach (var (member, reply) in reading.Answers)
        {
            if (!_history.TryGetValue(member, out var samples))
            {
                _history[member] = samples = new Queue<Sample>();
            }

            if (samples.Count > 0)
            {
                var previous = samples.Last();
                var seconds = (at - previous.At).TotalSeconds;
                if (seconds > 0)
                {
                    throughput += (reply.Decided - previous.Decided) / seconds;
                }
            }

            samples.Enqueue(new Sample(at, reply.Decided, reply.Buckets));
            // Keep the newest read that is at least a span old as the baseline; drop the ones before it.
            while (samples.Count > 1 && at - samples.ElementAt(1).At >= span)
            {
                samples.Dequeue();
            }

            lastMinute.Add(LatencyBuckets.Since(reply.Buckets, samples.Peek().Buckets));
        }

        return new ClusterLatencyFigures(reading.Answers.Count, reading.Asked.Count, Math.Round(throughput, 1),
            reading.Answers.Sum(a => a.Reply.Decided), LatencyBuckets.Sum(lastMinute));
    }
}
