using System.Text.Json;
using PaymentActors.Node.Tests.Harness;

namespace PaymentActors.Node.Tests.Observability;

/// <summary>/healthz and /readyz of real node processes: not ready before the node is Up or while its journal is down.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_is_not_ready_while_the_node_is_not_an_Up_member_but_healthz_is_alive()
    {
        // Its only seed is a port nobody listens on: the node runs but never joins a cluster.
        await using var node = SingleNodeProcess.Start("--db", "memory", "--seeds", $"akka.tcp://payments@127.0.0.1:{RepoPaths.FreeTcpPort()}");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        (int Status, string Body)? live = null;
        while (live is not { Status: 200 } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            live = await node.GetAsync("healthz");
        }

        Assert.Equal(200, live?.Status);
        // Observed over a few seconds, not once: it stays not ready, with the reason in the cluster-member check.
        for (var i = 0; i < 5; i++)
        {
            var ready = await node.GetAsync("readyz");
            Assert.Equal(503, ready?.Status);
            var checks = JsonDocument.Parse(ready!.Value.Body).RootElement.GetProperty("checks");
            Assert.Equal("Unhealthy", checks.GetProperty("cluster-member").GetProperty("status").GetString());
            Assert.Contains("not Up", checks.GetProperty("cluster-member").GetProperty("description").GetString());
            Assert.Equal("Healthy", checks.GetProperty("actor-system").GetProperty("status").GetString());
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Readyz_is_ready_when_up_not_ready_during_a_journal_outage_and_ready_again_after_it()
    {
        var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        try
        {
            await using var node = SingleNodeProcess.Start("--db", "postgres", "--connection", postgres.ConnectionString);
            await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));

            await postgres.StopAsync();
            var down = await PollAsync(node, 503, TimeSpan.FromSeconds(60));
            var journal = JsonDocument.Parse(down).RootElement.GetProperty("checks").GetProperty("journal");
            Assert.Equal("Unhealthy", journal.GetProperty("status").GetString());
            Assert.StartsWith("journal:", journal.GetProperty("description").GetString());
            Assert.Equal(200, (await node.GetAsync("healthz"))?.Status); // alive all along: only not ready

            await postgres.RestartAsync();
            await PollAsync(node, 200, TimeSpan.FromSeconds(120));
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    private static async Task<string> PollAsync(SingleNodeProcess node, int status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        (int Status, string Body)? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await node.GetAsync("readyz");
            if (last?.Status == status)
            {
                return last.Value.Body;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"/readyz did not answer {status} within {timeout}; last: {last}");
        return "";
    }
}
