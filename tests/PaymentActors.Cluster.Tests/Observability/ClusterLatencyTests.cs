using Akka.Actor;
using Akka.Cluster;
using PaymentActors.Cluster.Observability;
using PaymentActors.Protocol.Observability;
using Xunit.Abstractions;

namespace PaymentActors.Cluster.Tests.Observability;

/// <summary>
/// The dashboard's cluster-wide latency: each node's cumulative buckets gathered from its reporter, summed, then the
/// quantiles taken over the sum (not averaged across nodes); a node that does not answer in time is left out and counted.
/// </summary>
public sealed class ClusterLatencyTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private static readonly UniqueAddress NodeA = new(new Address("akka.tcp", "payments", "10.0.0.1", 4053), 1);
    private static readonly UniqueAddress NodeB = new(new Address("akka.tcp", "payments", "10.0.0.2", 4053), 2);

    /// <summary>32 power-of-two buckets, as a node keeps them, with the given counts set.</summary>
    private static long[] Buckets(params (int Bucket, long Count)[] counts)
    {
        var buckets = new long[32];
        foreach (var (bucket, count) in counts)
        {
            buckets[bucket] = count;
        }

        return buckets;
    }

    private static ClusterLatencyReading Reading(IReadOnlyList<UniqueAddress> asked, params (UniqueAddress Member, long Decided, long[] Buckets)[] answers) =>
        new(asked, answers.Select(a => new MemberLatency(a.Member, new NodeLatencyReply(a.Member.Address.ToString(), a.Decided, a.Buckets))).ToList());

    [Fact]
    public void Cluster_percentiles_are_taken_over_the_summed_buckets_not_averaged_across_nodes()
    {
        // Node A: 90 decisions in [8, 16) µs, 10 in [1024, 2048) µs. Node B: 100 in [32, 64) µs.
        var a = Buckets((3, 90), (10, 10));
        var b = Buckets((5, 100));
        var sum = LatencyBuckets.Sum([a, b]);

        Assert.Equal(Buckets((3, 90), (5, 100), (10, 10)), sum);
        // Ranks over 200: p50 = 100th and p95 = 190th fall in [32, 64) µs, p99 = 198th in [1024, 2048) µs (upper bounds, ms).
        Assert.Equal(0.064, PaymentsMetrics.QuantileMs(sum, 0.5));
        Assert.Equal(0.064, PaymentsMetrics.QuantileMs(sum, 0.95));
        Assert.Equal(2.048, PaymentsMetrics.QuantileMs(sum, 0.99));
        // What averaging the nodes' own p99s would have said instead: (2.048 + 0.064) / 2.
        Assert.Equal(2.048, PaymentsMetrics.QuantileMs(a, 0.99));
        Assert.Equal(0.064, PaymentsMetrics.QuantileMs(b, 0.99));

        // A shorter array (fewer buckets) is summed as zeros beyond its end; two reads of one node diff bucket-wise.
        Assert.Equal(new long[] { 1, 2, 3 }, LatencyBuckets.Sum([new long[] { 1, 2, 3 }, Array.Empty<long>()]));
        Assert.Equal(Buckets((3, 40), (10, 10)), LatencyBuckets.Since(a, Buckets((3, 50))));
    }

    [Fact]
    public void The_window_gives_cluster_throughput_and_last_minute_buckets_from_each_nodes_cumulative_reads()
    {
        var window = new ClusterLatencyWindow(TimeSpan.FromMinutes(1));
        UniqueAddress[] both = [NodeA, NodeB];

        // First reads: nothing to diff against yet.
        var first = window.Add(Reading(both, (NodeA, 10, Buckets((3, 10))), (NodeB, 5, Buckets((5, 5)))), TimeSpan.Zero);
        Assert.Equal((2, 2, 0.0, 15L), (first.Answered, first.Members, first.Throughput, first.Decided));
        Assert.Equal(0, first.LastMinute.Sum());

        // 2 s later: A decided 20 more, B 40 more: 10/s + 20/s.
        var second = window.Add(Reading(both, (NodeA, 30, Buckets((3, 30))), (NodeB, 45, Buckets((5, 25), (7, 20)))), TimeSpan.FromSeconds(2));
        Assert.Equal((2, 2, 30.0, 75L), (second.Answered, second.Members, second.Throughput, second.Decided));
        Assert.Equal(Buckets((3, 20), (5, 20), (7, 20)), second.LastMinute);

        window.Add(Reading(both, (NodeA, 50, Buckets((3, 50)))), TimeSpan.FromSeconds(30));

        // At 62 s the read at 2 s is a minute old: A's last minute is 62 s minus 2 s; B is silent and left out.
        var late = window.Add(Reading(both, (NodeA, 82, Buckets((3, 60), (4, 12)))), TimeSpan.FromSeconds(62));
        Assert.Equal((1, 2, 1.0, 82L), (late.Answered, late.Members, late.Throughput, late.Decided)); // 32 more in 32 s
        Assert.Equal(Buckets((3, 30), (4, 12)), late.LastMinute);

        // B left and came back as a new incarnation (counting from 0): no earlier read of it, so it adds no rate yet.
        var bAgain = new UniqueAddress(NodeB.Address, 3);
        window.Add(Reading([NodeA], (NodeA, 90, Buckets((3, 68), (4, 12)))), TimeSpan.FromSeconds(63));
        var back = window.Add(Reading([NodeA, bAgain], (NodeA, 94, Buckets((3, 72), (4, 12))), (bAgain, 3, Buckets((6, 3)))), TimeSpan.FromSeconds(64));
        Assert.Equal((2, 2, 4.0, 97L), (back.Answered, back.Members, back.Throughput, back.Decided));
        Assert.Equal(Buckets((3, 42), (4, 12)), back.LastMinute); // A since its newest read a minute old (2 s); B's first read is its own baseline
    }

    [Fact]
    public async Task The_gatherer_leaves_out_a_member_that_does_not_answer_in_time_and_says_how_many_answered()
    {
        var probeA = CreateTestProbe();
        var probeB = CreateTestProbe();
        ICanTell ReporterOf(Address member) => member == NodeA.Address ? probeA.Ref : probeB.Ref;
        var window = new ClusterLatencyWindow(TimeSpan.FromMinutes(1));
        var timeout = TimeSpan.FromMilliseconds(500);

        // Both answer the first time: each one's baseline.
        var gathering = ClusterLatencyGatherer.GatherAsync([NodeA, NodeB], ReporterOf, timeout);
        probeA.ExpectMsg<GetNodeLatency>();
        probeA.Reply(new NodeLatencyReply("a", 100, Buckets((3, 100))));
        probeB.ExpectMsg<GetNodeLatency>();
        probeB.Reply(new NodeLatencyReply("b", 1_000, Buckets((9, 1_000))));
        var both = await gathering;
        Assert.Equal([NodeA, NodeB], both.Answers.Select(a => a.Member));
        window.Add(both, TimeSpan.Zero);

        // Then B is asked and stays silent.
        gathering = ClusterLatencyGatherer.GatherAsync([NodeA, NodeB], ReporterOf, timeout);
        probeA.ExpectMsg<GetNodeLatency>();
        probeA.Reply(new NodeLatencyReply("a", 150, Buckets((3, 120), (4, 30))));
        probeB.ExpectMsg<GetNodeLatency>();
        var reading = await gathering;

        Assert.Equal([NodeA, NodeB], reading.Asked);
        var answer = Assert.Single(reading.Answers);
        Assert.Equal(NodeA, answer.Member);
        var figures = window.Add(reading, TimeSpan.FromSeconds(1));
        Assert.Equal((1, 2), (figures.Answered, figures.Members));
        Assert.Equal(150, figures.Decided);
        Assert.Equal(50.0, figures.Throughput);
        Assert.Equal(Buckets((3, 20), (4, 30)), figures.LastMinute); // A's only: B's 1,000 slow ones are not in it
        Assert.Equal(0.032, PaymentsMetrics.QuantileMs(figures.LastMinute, 0.99));
    }

    [Fact]
    public async Task A_nodes_reporter_answers_at_its_well_known_path_with_its_counts_and_address()
    {
        Sys.ActorOf(LatencyReporterActor.Props(() => (7, Buckets((2, 7)))), LatencyReporterActor.Name);
        var self = ((ExtendedActorSystem)Sys).Provider.DefaultAddress;

        var reading = await ClusterLatencyGatherer.GatherAsync([new UniqueAddress(self, 1)], member => LatencyReporterActor.On(Sys, member), TimeSpan.FromSeconds(3));

        var reply = Assert.Single(reading.Answers).Reply;
        Assert.Equal(self.ToString(), reply.Node);
        Assert.Equal(7, reply.Decided);
        Assert.Equal(Buckets((2, 7)), reply.Buckets);
    }
}
