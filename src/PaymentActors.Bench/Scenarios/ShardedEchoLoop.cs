using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Bench.Scenarios;

/// <summary>
/// The in-memory ledger's limit: a raw sharded request/response loop on a node like the ledger's (same extractor, shard
/// count and accounts, local sharding), where each entity only adds the amount to a balance and answers. A driver keeps
/// as many requests in flight as the ledger's delivery does (512 × 4) and sends the next as each answer arrives. What the
/// ledger does beyond this (its domain decision, idempotency memory, risk rules, delivery stage, outcome objects) is the
/// gap between the two rates.
/// </summary>
public static class ShardedEchoLoop
{
    private const int InFlight = 512 * 4;

    public static async Task<double> RunAsync(PaymentsNodeSettings settings, int count, int accounts)
    {
        await using var node = await Harness.BenchNode.StartAsync(settings);
        var region = await ClusterSharding.Get(node.System).StartAsync("raw-echo", EchoEntity.Props(),
            ClusterShardingSettings.Create(node.System), new AccountMessageExtractor());
        var ids = Enumerable.Range(0, accounts).Select(i => "C" + i).ToArray();

        // Warm-up: every entity started once, and the driver's path compiled.
        await RunLoopAsync(node.System, region, ids, accounts * 2, seed: 1);
        var stopwatch = Stopwatch.StartNew();
        await RunLoopAsync(node.System, region, ids, count, seed: 2);
        return count / stopwatch.Elapsed.TotalSeconds;
    }

    private static Task RunLoopAsync(ActorSystem system, IActorRef region, string[] ids, int count, int seed)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Akka.Actor.Props.Create(() => new Driver(region, ids, count, seed, done)));
        return done.Task;
    }

    private sealed record Credit(string AccountId, long AmountMinor) : IWithAccountId;

    private sealed record Credited(long BalanceMinor);

    private sealed class EchoEntity : ReceiveActor
    {
        private long _balance;

        public EchoEntity() => Receive<Credit>(c =>
        {
            _balance += c.AmountMinor;
            Sender.Tell(new Credited(_balance));
        });

        public static Props Props() => Akka.Actor.Props.Create(() => new EchoEntity());
    }

    private sealed class Driver : ReceiveActor
    {
        public Driver(IActorRef region, string[] ids, int count, int seed, TaskCompletionSource done)
        {
            var random = new Random(seed);
            var sent = 0;
            var answered = 0;

            void SendNext()
            {
                region.Tell(new Credit(ids[random.Next(ids.Length)], 1_000), Self);
                sent++;
            }

            Receive<Credited>(_ =>
            {
                if (++answered == count)
                {
                    done.TrySetResult();
                    Context.Stop(Self);
                }
                else if (sent < count)
                {
                    SendNext();
                }
            });

            for (var i = 0; i < Math.Min(InFlight, count); i++)
            {
                SendNext();
            }
        }
    }
}
